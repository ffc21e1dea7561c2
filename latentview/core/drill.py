"""Drill down: a subset of a dataset as a map of its own, and the way back to its parent by item.

Plain numpy. The window keeps a stack of `ParentMap`s (a breadcrumb); what the user did in the child
(a selection, new groups) maps back to the parent through `rows`, the child's rows in the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset


def subset(dataset: Dataset, rows: np.ndarray) -> Dataset:
    """The rows of `dataset` as a dataset of their own (embeddings, labels, per-point metadata)."""
    rows = np.asarray(rows, dtype=np.int64)
    n = len(dataset)
    meta = {}
    for key, value in dataset.meta.items():
        if isinstance(value, (list, np.ndarray)) and len(value) == n:
            meta[key] = [value[i] for i in rows] if isinstance(value, list) else np.asarray(value)[rows]
        else:
            meta[key] = value
    return Dataset(dataset.kind, [dataset.items[i] for i in rows], [dataset.labels[i] for i in rows],
                   np.asarray(dataset.embeddings)[rows], dataset.source, dataset.model, [], meta)  # fmt: skip


@dataclass
class ParentMap:
    """What a parent map showed when the user drilled into part of it."""

    dataset: Dataset
    coords: np.ndarray
    projection: str
    rows: np.ndarray  # the child's rows, as indices into this parent
    title: str
    clustering: Clustering | None = None
    groups: list[tuple[str, np.ndarray, str]] = field(default_factory=list)  # (name, mask, colour)
    view: tuple | None = None  # the view range, restored on the way back

    def to_child(self, mask: np.ndarray) -> np.ndarray:
        return np.asarray(mask, bool)[self.rows]

    def to_parent(self, child_mask: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.dataset), bool)
        out[self.rows[np.asarray(child_mask, bool)]] = True
        return out
