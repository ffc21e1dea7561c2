"""kNN recall per point and the map's trustworthiness; a generator for the runner and the CLI.

Full-space neighbours use cosine (unit vectors, Euclidean). Up to EXACT_LIMIT points everything is
exact; above, full-space neighbours come from PCA-50 of the unit vectors and trustworthiness is
estimated from a random sample of TRUST_SAMPLE points (the result says so: `exact=False`).
"""

from __future__ import annotations

import time

import numpy as np

from latentview.core.explore import TrustResult
from latentview.core.neighbors import normalize
from latentview.core.progress import Log, Progress
from latentview.core.trust import knn_brute, knn_recall, trustworthiness

EXACT_LIMIT = 20_000
TRUST_SAMPLE = 2_000
BLOCK = 2_048


def compute_trust(embeddings: np.ndarray, coords: np.ndarray, k: int = 10, seed: int = 0):
    t0 = time.perf_counter()
    n = len(coords)
    k = max(1, min(int(k), n - 1))
    exact = n <= EXACT_LIMIT
    if exact:
        x = normalize(embeddings)
    else:
        from latentview.backends.projectors import pca

        yield Log(f"Trust on {n:,} points: full-space neighbours from PCA-50, trustworthiness from a "
                  f"{TRUST_SAMPLE:,}-point sample", "info")  # fmt: skip
        x = pca(embeddings, 50, unit_rows=True)
    from latentview.backends.clustering import knn

    yield Progress(0, n, "Trust: map neighbours", unit="points")
    low = knn(np.asarray(coords, np.float64), k)
    high = np.empty((n, k), np.int64)
    for start in range(0, n, BLOCK):
        rows = np.arange(start, min(start + BLOCK, n))
        high[rows] = knn_brute(x, k, rows)
        yield Progress(rows[-1] + 1, n, "Trust: full-space neighbours", unit="points")
    recall = knn_recall(high, low)
    rows = None if exact else np.sort(np.random.default_rng(seed).choice(n, TRUST_SAMPLE, replace=False))
    low_rows = low if rows is None else low[rows]
    t = trustworthiness(x, low_rows, k, rows)
    return TrustResult(k, recall, float(t), high, exact, time.perf_counter() - t0)
