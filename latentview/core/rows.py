"""Adding rows to a map that is already on screen (words off the map; later, table rows and new images).

The first N rows keep their indices, so everything that describes them — groups, a clustering, the
trust overlay, the layout — is extended rather than recomputed: each new row is placed, and joins a
cluster, by its nearest existing rows in the full space (the idea UMAP's own `transform` starts from).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentview.core.neighbors import normalize

JOIN_SIMILARITY = 0.5  # a new row joins its nearest row's cluster only when at least this similar


@dataclass
class AddedRows:
    """Rows start..start+M-1 were appended; `nearest` (M, k) are their closest existing rows."""

    start: int
    nearest: np.ndarray  # (M, k) int64, indices < start
    similarity: np.ndarray  # (M, k) cosine similarity, best first

    def __len__(self) -> int:
        return len(self.nearest)

    @property
    def stop(self) -> int:
        return self.start + len(self)


def nearest_rows(unit_base: np.ndarray, vectors: np.ndarray, k: int = 5, block: int = 131_072,
                 unit: bool = True):  # fmt: skip
    """(indices, similarities), each (M, k), of the k rows of `unit_base` most cosine-similar to each
    of `vectors`; scanned in blocks so a million base rows stay flat in memory. `unit=False`: the
    base rows are normalised block by block (no full-size copy)."""
    q = normalize(vectors).T  # (D, M)
    m = q.shape[1]
    k = max(1, min(k, len(unit_base)))
    best_i = np.zeros((0, m), np.int64)
    best_s = np.zeros((0, m), np.float32)
    for start in range(0, len(unit_base), block):
        rows = unit_base[start : start + block] if unit else normalize(unit_base[start : start + block])
        sims = (rows @ q.astype(rows.dtype)).astype(np.float32)
        take = min(k, len(sims))
        top = np.argpartition(-sims, take - 1, axis=0)[:take]
        best_i = np.vstack([best_i, top + start])
        best_s = np.vstack([best_s, np.take_along_axis(sims, top, axis=0)])
        if len(best_i) > k:
            keep = np.argpartition(-best_s, k - 1, axis=0)[:k]
            best_i, best_s = np.take_along_axis(best_i, keep, 0), np.take_along_axis(best_s, keep, 0)
    order = np.argsort(-best_s, axis=0, kind="stable")
    return np.take_along_axis(best_i, order, 0).T.copy(), np.take_along_axis(best_s, order, 0).T.copy()


def place(coords: np.ndarray, added: AddedRows) -> np.ndarray:
    """2-D spots for the new rows on a non-linear map: the similarity-weighted mean (weights sim⁴) of
    their nearest rows' positions."""
    w = np.maximum(added.similarity, 1e-3).astype(np.float64) ** 4
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("mk,mkd->md", w, np.asarray(coords, np.float64)[added.nearest])


def extend_mask(mask: np.ndarray | None, n_new: int) -> np.ndarray | None:
    return None if mask is None else np.concatenate([np.asarray(mask, bool), np.zeros(n_new, bool)])


def joined_labels(labels: np.ndarray, added: AddedRows, noise: int = -1) -> np.ndarray:
    """Cluster labels for the new rows: their nearest row's cluster when it is similar enough, else
    noise (in no cluster) — never a re-clustering of everything."""
    first = np.asarray(labels)[added.nearest[:, 0]] if len(added) else np.zeros(0, np.int32)
    return np.where(added.similarity[:, 0] >= JOIN_SIMILARITY, first, noise).astype(np.int32)
