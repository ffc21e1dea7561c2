"""Extend a map with new rows without moving the old ones: new images in a folder already on the map,
new rows of a table, words added to a vocabulary.

Each new point is placed where its nearest old points (cosine, in the full embedding space) sit on the
map — what UMAP's own `transform` does in spirit, and the usual way to add points to a t-SNE or PCA
map. Old coordinates, cluster labels and groups are kept as they are; new points take the cluster of
their nearest old clustered points. A full re-layout stays the user's explicit choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.rows import nearest_rows, place_by_similarity


@dataclass
class Extension:
    dataset: Dataset  # the old rows still present (in their order), then the new ones
    coords: np.ndarray  # (N, 2): old coordinates unchanged, new ones placed
    keep: np.ndarray  # indices of the kept old rows in the old dataset
    is_new: np.ndarray  # (N,) bool

    @property
    def n_new(self) -> int:
        return int(self.is_new.sum())

    def carry(self, old_values: np.ndarray, fill) -> np.ndarray:
        """A per-point array of the old map (a group mask, cluster labels) on the extended one."""
        old_values = np.asarray(old_values)
        out = np.full(len(self.is_new), fill, dtype=old_values.dtype)
        out[: len(self.keep)] = old_values[self.keep]
        return out


def nearest_old(old_emb: np.ndarray, new_emb: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine similarities), each (M, k): the k nearest old rows of every new row."""
    return nearest_rows(old_emb, np.asarray(new_emb, np.float32), k, unit=False)


def place(old_emb: np.ndarray, old_coords: np.ndarray, new_emb: np.ndarray, k: int = 10) -> np.ndarray:
    """(M, 2) map positions for new rows: `core.rows.place_by_similarity` on their k nearest old points."""
    if len(new_emb) == 0:
        return np.zeros((0, 2))
    idx, sims = nearest_old(old_emb, new_emb, k)
    return place_by_similarity(old_coords, idx, sims)


def extend_labels(
    old_emb: np.ndarray, old_labels: np.ndarray, new_emb: np.ndarray, k: int = 10
) -> np.ndarray:
    """Cluster labels for new rows: the majority among their k nearest old rows (noise if most are)."""
    if len(new_emb) == 0:
        return np.zeros(0, np.int32)
    idx, _ = nearest_old(old_emb, new_emb, k)
    votes = np.asarray(old_labels)[idx]
    out = np.empty(len(votes), np.int32)
    for i, row in enumerate(votes):
        ids, counts = np.unique(row, return_counts=True)
        out[i] = ids[np.argmax(counts)]
    return out


def extend_map(old: Dataset, old_coords: np.ndarray, new: Dataset, k: int = 10) -> Extension:
    """The old map plus the rows of `new` it lacks (matched by item), old rows missing from `new`
    dropped. Old coordinates are kept exactly; only new rows are placed."""
    present = set(new.items)
    keep = np.array([i for i, item in enumerate(old.items) if item in present], dtype=np.int64)
    known = set(old.items)
    add = np.array([i for i, item in enumerate(new.items) if item not in known], dtype=np.int64)
    old_emb = old.embeddings[keep]
    new_emb = new.embeddings[add] if len(add) else np.zeros((0, new.embeddings.shape[1]), np.float32)
    coords = np.concatenate(
        [np.asarray(old_coords, np.float64)[keep], place(old_emb, old_coords[keep], new_emb, k)]
    )
    dtype = np.result_type(old.embeddings.dtype, new.embeddings.dtype)
    meta = {
        key: _concat(v, keep, new.meta.get(key), add)
        for key, v in old.meta.items()
        if _per_point(v, len(old))
    }
    is_new = np.r_[np.zeros(len(keep), bool), np.ones(len(add), bool)]
    meta["new"] = ["new" if f else "" for f in is_new]
    dataset = Dataset(
        kind=old.kind,
        items=[old.items[i] for i in keep] + [new.items[i] for i in add],
        labels=[old.labels[i] for i in keep] + [new.labels[i] for i in add],
        embeddings=np.concatenate([old_emb.astype(dtype), new_emb.astype(dtype)]),
        source=old.source or new.source,
        model=old.model or new.model,
        failures=list(new.failures),
        meta=meta,
    )
    return Extension(dataset, coords, keep, is_new)


def _per_point(value, n: int) -> bool:
    return isinstance(value, (list, np.ndarray)) and len(value) == n


def _concat(old_values, keep, new_values, add) -> list:
    old_part = [old_values[i] for i in keep]
    if new_values is not None and len(new_values) > (max(add) if len(add) else -1):
        return old_part + [new_values[i] for i in add]
    return old_part + [None] * len(add)
