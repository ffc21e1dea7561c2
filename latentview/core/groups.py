"""Selection groups: named, coloured point sets the user keeps, combined by set algebra (glue's subsets).

A group is a boolean mask over the dataset's points. Groups never change under the user's feet: an
algebra operation makes a new group. `GroupSet.changed` tells the panels to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from latentview.core.events import Signal


class GroupOp(Enum):
    UNION = "union"
    INTERSECTION = "intersection"
    DIFFERENCE = "difference"  # the first minus all the others


_SYMBOL = {GroupOp.UNION: " ∪ ", GroupOp.INTERSECTION: " ∩ ", GroupOp.DIFFERENCE: " − "}


@dataclass
class Group:
    name: str
    mask: np.ndarray  # (N,) bool
    color: str = ""  # "#rrggbb"; the Qt side picks one when empty

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.mask))

    @property
    def indices(self) -> np.ndarray:
        return np.flatnonzero(self.mask)


def combine_masks(masks: list[np.ndarray], op: GroupOp) -> np.ndarray:
    if not masks:
        raise ValueError("Choose at least one group.")
    out = np.asarray(masks[0], dtype=bool).copy()
    for m in masks[1:]:
        m = np.asarray(m, dtype=bool)
        if op is GroupOp.UNION:
            out |= m
        elif op is GroupOp.INTERSECTION:
            out &= m
        else:
            out &= ~m
    return out


class GroupSet:
    """The ordered groups of the current dataset (cleared when the dataset changes)."""

    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.groups: list[Group] = []
        self.changed = Signal()  # ()

    def __len__(self) -> int:
        return len(self.groups)

    def __iter__(self):
        return iter(self.groups)

    def names(self) -> list[str]:
        return [g.name for g in self.groups]

    def get(self, name: str) -> Group:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def unique_name(self, base: str) -> str:
        taken = set(self.names())
        if base not in taken:
            return base
        i = 2
        while f"{base} ({i})" in taken:
            i += 1
        return f"{base} ({i})"

    def reset(self, n: int) -> None:
        self.n = n
        self.groups = []
        self.changed.emit()

    def extend(self, n_new: int) -> None:
        """Rows were appended to the dataset: every group keeps its members (new rows are in none)."""
        self.n += n_new
        for g in self.groups:
            g.mask = np.concatenate([g.mask, np.zeros(n_new, bool)])
        self.changed.emit()

    def add(self, name: str, mask_or_indices, color: str = "") -> Group:
        arr = np.asarray(mask_or_indices)
        if arr.dtype == bool:
            if len(arr) != self.n:
                raise ValueError("a group's mask must cover every point")
            mask = arr.copy()
        else:
            mask = np.zeros(self.n, dtype=bool)
            mask[arr.astype(int)] = True
        group = Group(self.unique_name(name or "Group"), mask, color)
        self.groups.append(group)
        self.changed.emit()
        return group

    def remove(self, name: str) -> None:
        self.groups = [g for g in self.groups if g.name != name]
        self.changed.emit()

    def rename(self, old: str, new: str) -> str:
        g = self.get(old)
        if new and new != old:
            g.name = ""  # not taken by itself
            g.name = self.unique_name(new)
            self.changed.emit()
        return g.name

    def set_color(self, name: str, color: str) -> None:
        self.get(name).color = color
        self.changed.emit()

    def combine(self, names: list[str], op: GroupOp, color: str = "") -> Group:
        """A new group from existing ones; DIFFERENCE is the first named minus the rest."""
        masks = [self.get(n).mask for n in names]
        return self.add(_SYMBOL[op].join(names), combine_masks(masks, op), color)

    def codes(self, top: str | None = None) -> tuple[np.ndarray, list[str]]:
        """Colour codes for 'colour by group', honest about overlaps: code i+1 for a point in group i
        only, 0 for no group, and one last code "several groups" for points in more than one — except
        that the `top` group (the one the user picked) shows its own colour over any overlap.
        Names are ['(no group)', *group names, 'several groups']."""
        codes = np.zeros(self.n, dtype=np.int32)
        count = np.zeros(self.n, dtype=np.int32)
        for i, g in enumerate(self.groups):
            codes[g.mask] = i + 1
            count += g.mask
        several = len(self.groups) + 1
        codes[count > 1] = several
        names = self.names()
        if top in names:
            g = self.groups[names.index(top)]
            codes[g.mask] = names.index(top) + 1
        return codes, ["(no group)", *names, "several groups"]

    def to_json(self) -> list[dict]:
        return [{"name": g.name, "color": g.color, "indices": g.indices.tolist()} for g in self.groups]

    def load_json(self, n: int, data: list[dict]) -> None:
        self.n = n
        self.groups = []
        for d in data:
            mask = np.zeros(n, dtype=bool)
            mask[np.asarray(d.get("indices", []), dtype=int)] = True
            self.groups.append(Group(d["name"], mask, d.get("color", "")))
        self.changed.emit()
