"""Clustering adapters: scikit-learn's HDBSCAN and k-means, imported lazily inside the functions.

Both work on unit-normalised embeddings (Euclidean there ranks like cosine), reduced by PCA to at most
50 dimensions so 100k points stay in seconds. HDBSCAN grows ~N²: above `HDBSCAN_SAMPLE` points it fits
a random sample and gives every other point the cluster of its nearest sampled point (noise stays noise).
"""

from __future__ import annotations

import numpy as np

HDBSCAN_SAMPLE = 10_000
REDUCE_DIMS = 50
PROCESS_MIN_POINTS = 3_000  # from here HDBSCAN runs in a child process (it holds the GIL for seconds)


def prepare(embeddings: np.ndarray, dims: int = REDUCE_DIMS) -> np.ndarray:
    from latentview.backends.projectors import pca
    from latentview.core.neighbors import normalize

    if embeddings.shape[1] > dims and len(embeddings) > dims:
        x = pca(embeddings, dims, unit_rows=True)  # normalised block by block: no full copy
    else:
        x = normalize(embeddings)
    return np.ascontiguousarray(x, dtype=np.float32)


def default_min_cluster_size(n: int) -> int:
    return int(max(5, min(500, round(n / 100))))


def hdbscan_fit(x: np.ndarray, min_cluster_size: int, min_samples: int | None = None) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    if len(x) < max(2, min_cluster_size):
        return np.full(len(x), -1, np.int32)
    model = HDBSCAN(min_cluster_size=int(min_cluster_size), min_samples=min_samples, copy=True)
    return model.fit_predict(x).astype(np.int32)


def _child(conn, path, min_cluster_size, min_samples) -> None:
    try:
        conn.send(("ok", hdbscan_fit(np.load(path), min_cluster_size, min_samples)))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


def hdbscan_steps(x: np.ndarray, min_cluster_size: int, min_samples: int | None = None, poll: float = 0.1):
    """Generator: HDBSCAN that never freezes the window. Yields elapsed seconds while it works and
    returns the labels.

    scikit-learn's HDBSCAN holds the GIL for seconds at a time, so from PROCESS_MIN_POINTS on it runs
    in a spawned child process; closing the generator (a cancel) terminates that process at once. If
    the child cannot start or dies (an unguarded __main__, a frozen app without freeze_support), the fit
    runs here in the worker thread instead: slower to cancel, never wrong. (app.main calls
    multiprocessing.freeze_support(), so the frozen app spawns correctly.)
    """
    import time

    if len(x) < PROCESS_MIN_POINTS:
        yield 0.0
        return hdbscan_fit(x, min_cluster_size, min_samples)
    import multiprocessing as mp
    import os
    import tempfile

    t0 = time.perf_counter()
    ctx = mp.get_context("spawn")
    # The points go through a file: a large argument written into a child that died while starting
    # would block the write for ever.
    fd, path = tempfile.mkstemp(suffix=".npy", prefix="latentview-hdbscan-")
    with os.fdopen(fd, "wb") as fh:
        np.save(fh, np.ascontiguousarray(x))
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, path, min_cluster_size, min_samples), daemon=True)
    started = False
    try:
        proc.start()
        started = True
        child.close()
        while not parent.poll(poll) and proc.is_alive():
            yield time.perf_counter() - t0
        if parent.poll(0):
            status, value = parent.recv()
            if status == "ok":
                return value
            raise RuntimeError(f"HDBSCAN failed: {value}")
    except (OSError, EOFError):
        pass  # could not start, or died without a word: fit here instead
    finally:
        if started:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
        parent.close()
        os.unlink(path)
    yield time.perf_counter() - t0
    return hdbscan_fit(x, min_cluster_size, min_samples)


def nearest_labels(sample: np.ndarray, sample_labels: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(sample)
    idx = nn.kneighbors(query, return_distance=False)[:, 0]
    return sample_labels[idx]


def kmeans_fit(x: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = max(1, min(int(k), len(x)))
    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(x).astype(np.int32)


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster 0 is the largest, and so on: stable colours and a list that reads top-down."""
    labels = np.asarray(labels, np.int32)
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.argsort(-counts, kind="stable")]
    lookup = np.full(int(labels.max()) + 2 if labels.size else 1, -1, np.int32)
    lookup[order] = np.arange(len(order), dtype=np.int32)
    return np.where(labels >= 0, lookup[np.maximum(labels, 0)], -1).astype(np.int32)


def knn(x: np.ndarray, k: int) -> np.ndarray:
    """(N, k) nearest neighbours (self excluded): a KD-tree for maps, brute BLAS for embeddings."""
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(x, dtype=np.float32 if x.shape[1] > 3 else np.float64)
    k = min(k, len(x) - 1)
    algo = "kd_tree" if x.shape[1] <= 3 else "brute"
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm=algo).fit(x)
    idx = nn.kneighbors(x, return_distance=False)
    # drop self (usually column 0; duplicates may put it elsewhere)
    out = np.empty((len(x), k), np.int64)
    rows = np.arange(len(x))
    not_self = idx != rows[:, None]
    # keep the first k non-self entries of each row
    order = np.argsort(~not_self, axis=1, kind="stable")[:, :k]
    out[:] = np.take_along_axis(idx, order, 1)
    return out
