"""How far to trust a 2-D map: per-point kNN recall and the map's trustworthiness (Venna & Kaski).

recall_i = |kNN_full(i) ∩ kNN_map(i)| / k: 1 means the map kept the point's neighbourhood; low values
mark points the projection tore away from their true neighbours. Trustworthiness penalises map
neighbours that are far in the full space, by how far (their rank); 1 is perfect.
"""

from __future__ import annotations

import numpy as np


def _row_distances(x: np.ndarray, sq: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Distances from rows `r` to every point, shifted per row: fine for ranking within a row.

    ‖a‖² is the same along a row, so ranking needs only ‖b‖² − 2a·b: one full-size pass less, done
    in place (with 1,024-row blocks ~1.8× faster at 30k points). Self-distances are +inf.
    """
    d = x[r] @ x.T
    d *= -2.0
    d += sq[None, :]
    d[np.arange(len(r)), r] = np.inf
    return d


def knn_brute(x: np.ndarray, k: int, rows: np.ndarray | None = None, block: int = 1024) -> np.ndarray:
    """(len(rows), k) indices of each row's k nearest points by Euclidean distance, self excluded.

    Exact and memory-flat (blocks of rows); O(N² D), so services use a tree for 2-D maps.
    """
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=int)
    k = min(k, n - 1)
    sq = np.einsum("ij,ij->i", x, x)
    out = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), block):
        r = rows[start : start + block]
        d = _row_distances(x, sq, r)
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, 1), axis=1, kind="stable")
        out[start : start + block] = np.take_along_axis(part, order, 1)
    return out


def knn_recall(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Per-row fraction of `high` neighbour indices also present in `low` (both (N, k))."""
    high = np.asarray(high)
    low = np.asarray(low)
    k = high.shape[1]
    if k == 0:
        return np.ones(len(high))
    hits = (high[:, :, None] == low[:, None, :]).any(axis=2).sum(axis=1)
    return hits / k


def trustworthiness(
    high: np.ndarray, low_knn: np.ndarray, k: int, rows: np.ndarray | None = None, block: int = 1024
) -> float:
    """Trustworthiness T(k) from the full-space points and each row's k nearest on the map.

    Same definition as sklearn.manifold.trustworthiness, but O(N) memory; with `rows` (a random
    sample) it is an unbiased estimate for maps too large for all N² distances.
    """
    x = np.asarray(high, dtype=np.float32)
    n = len(x)
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=int)
    low_knn = np.asarray(low_knn)[:, :k]
    sq = np.einsum("ij,ij->i", x, x)
    penalty = 0.0
    for start in range(0, len(rows), block):
        r = rows[start : start + block]
        d = _row_distances(x, sq, r)
        dj = np.take_along_axis(d, low_knn[start : start + block], 1)  # (b, k)
        # rank of j among i's full-space neighbours (1 = nearest)
        ranks = (d[:, None, :] < dj[:, :, None]).sum(axis=2) + 1 if d.shape[1] * k * len(r) < 5e7 else (
            np.stack([(d < dj[:, [c]]).sum(axis=1) + 1 for c in range(dj.shape[1])], axis=1)
        )  # fmt: skip
        excess = ranks - k
        penalty += float(excess[excess > 0].sum())
    scale = n / max(len(rows), 1)  # a sample of rows estimates the full sum
    penalty *= scale
    return 1.0 - penalty * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))
