"""Cosine nearest neighbours in the full embedding space (not on the 2-D map)."""

from __future__ import annotations

import numpy as np


def normalize(embeddings: np.ndarray) -> np.ndarray:
    emb = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.maximum(norms, 1e-12)


def nearest(
    unit: np.ndarray,
    query: np.ndarray,
    k: int,
    exclude: int | None = None,
    block: int = 262_144,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by cosine similarity of `query` against unit-norm rows; returns (indices, cosine distances).

    Rows are scanned in blocks so memory stays flat on a million points; float16 storage is fine.
    """
    q = np.asarray(query, dtype=np.float32)
    q = q / max(float(np.linalg.norm(q)), 1e-12)
    n = len(unit)
    kk = min(k + (exclude is not None), n)
    best_idx = np.empty(0, dtype=np.int64)
    best_sim = np.empty(0, dtype=np.float32)
    for start in range(0, n, block):
        sims = unit[start : start + block] @ q.astype(unit.dtype)
        sims = sims.astype(np.float32)
        take = min(kk, len(sims))
        top = np.argpartition(-sims, take - 1)[:take]
        best_idx = np.concatenate([best_idx, top + start])
        best_sim = np.concatenate([best_sim, sims[top]])
        if len(best_idx) > kk:
            keep = np.argpartition(-best_sim, kk - 1)[:kk]
            best_idx, best_sim = best_idx[keep], best_sim[keep]
    order = np.argsort(-best_sim, kind="stable")
    best_idx, best_sim = best_idx[order], best_sim[order]
    if exclude is not None:
        keep = best_idx != exclude
        best_idx, best_sim = best_idx[keep], best_sim[keep]
    best_idx, best_sim = best_idx[:k], best_sim[:k]
    return best_idx, np.clip(1.0 - best_sim, 0.0, 2.0)


class NeighbourSearch:
    """Cosine k-NN over a dataset's rows; the numpy default. Backends may supply faster ones."""

    def __init__(self, embeddings: np.ndarray):
        self.unit = normalize(embeddings)

    def query(self, index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        return nearest(self.unit, self.unit[index], k, exclude=index)

    def query_vector(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return nearest(self.unit, vector, k)
