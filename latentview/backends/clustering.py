"""Clustering adapters: scikit-learn's HDBSCAN and k-means, UMAP for the clustering space; all imported
lazily inside the functions.

Embeddings are unit-normalised (Euclidean there ranks like cosine) and reduced: PCA to 50 dimensions,
then by default a 10-d UMAP (min_dist 0) of that, as BERTopic and datamapplot do. Density in 1280-d
(or even 50-d) is thin, so HDBSCAN called two thirds of a varied folder noise; in the UMAP space the
same folders are 93–100 % covered at equal or better purity (benchmarks/cluster_quality.py). HDBSCAN
grows ~N²: above `HDBSCAN_SAMPLE` points it fits a random sample and gives every other point the
cluster of its nearest sampled point (noise stays noise).
"""

from __future__ import annotations

import numpy as np

HDBSCAN_SAMPLE = 10_000
REDUCE_DIMS = 50
UMAP_DIMS = 10
UMAP_MAX_POINTS = 20_000  # beyond this the clustering space stays PCA-50 (UMAP: ~15 s at 20k here)
PROCESS_MIN_POINTS = 3_000  # from here HDBSCAN runs in a child process (it holds the GIL for seconds)


def prepare(embeddings: np.ndarray, dims: int = REDUCE_DIMS) -> np.ndarray:
    from latentview.backends.projectors import pca
    from latentview.core.neighbors import normalize

    if embeddings.shape[1] > dims and len(embeddings) > dims:
        x = pca(embeddings, dims, unit_rows=True)  # normalised block by block: no full copy
    else:
        x = normalize(embeddings)
    return np.ascontiguousarray(x, dtype=np.float32)


def resolve_space(space: str, n: int) -> str:
    """'auto' → 'umap' up to UMAP_MAX_POINTS (and at least 20 points), else 'pca'."""
    if space == "auto":
        return "umap" if 20 <= n <= UMAP_MAX_POINTS else "pca"
    if space not in ("umap", "pca"):
        raise ValueError(f"Unknown clustering space '{space}'. Choose auto, umap or pca.")
    return space


def umap_space(x: np.ndarray, dims: int = UMAP_DIMS, n_neighbors: int = 15, seed: int = 42) -> np.ndarray:
    """A low-dimensional UMAP of prepared (PCA-50, unit) rows, made for density clustering: min_dist 0
    packs neighbours together, and 10 dimensions keep more of the structure than the 2-D map."""
    from latentview.backends.projectors import import_umap

    umap_lib = import_umap()

    n = len(x)
    reducer = umap_lib.UMAP(n_components=min(dims, max(2, n - 2)), n_neighbors=max(2, min(n_neighbors, n - 1)),
                            min_dist=0.0, metric="cosine", random_state=seed, n_jobs=1,
                            init="spectral" if n > 10 * dims else "random")  # fmt: skip
    from latentview.backends.blas import few_threads

    with few_threads(int(np.size(x)) * 25):  # x is PCA-50 of (up to) 1,280-d features
        return np.ascontiguousarray(reducer.fit_transform(x), dtype=np.float32)


def default_min_cluster_size(n: int) -> int:
    """~⅓·√N (5 up to 300 points, 7 at 500, 33 at 10k, 105 at 100k): a fixed share of N (the former
    N/100) drowned small kinds as noise on big folders; ½·√N merged charts with plots on small ones
    (benchmarks/cluster_quality.py)."""
    return int(max(5, min(500, round(np.sqrt(max(n, 1)) / 3))))


def hdbscan_fit(x: np.ndarray, min_cluster_size: int, min_samples: int | None = None,
                selection: str = "eom") -> np.ndarray:  # fmt: skip
    from sklearn.cluster import HDBSCAN

    if len(x) < max(2, min_cluster_size):
        return np.full(len(x), -1, np.int32)
    model = HDBSCAN(min_cluster_size=int(min_cluster_size), min_samples=min_samples, copy=True,
                    cluster_selection_method=selection)  # fmt: skip
    return model.fit_predict(x).astype(np.int32)


def _child(conn, path, min_cluster_size, min_samples, selection="eom") -> None:
    conn.send(("started", None))  # from here on, a death is a crash to report, not a failed start
    try:
        conn.send(("ok", hdbscan_fit(np.load(path), min_cluster_size, min_samples, selection)))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


CHILD_TARGET = _child  # tests swap in a child that crashes


class ChildNeverStarted(Exception):
    """The HDBSCAN process could not start (an unguarded __main__, a frozen app without freeze_support)."""


def hdbscan_steps(x: np.ndarray, min_cluster_size: int, min_samples: int | None = None, poll: float = 0.1,
                  selection: str = "eom"):  # fmt: skip
    """Generator: HDBSCAN that never freezes the window. Yields elapsed seconds while it works (and one
    str, a sentence for the log, when it falls back) and returns the labels.

    scikit-learn's HDBSCAN holds the GIL for seconds at a time, so from PROCESS_MIN_POINTS on it runs
    in a spawned child process; closing the generator (a cancel) terminates that process at once.
    Only if the child never started (it sends "started" first) does the fit run here in the worker
    thread; a child that crashed after starting is reported (a UserError with its exit code), never
    silently run again. (app.main calls multiprocessing.freeze_support(), so the frozen app spawns.)
    """
    import time

    if len(x) < PROCESS_MIN_POINTS:
        yield 0.0
        return hdbscan_fit(x, min_cluster_size, min_samples, selection)
    t0 = time.perf_counter()
    try:
        return (yield from _in_child(x, min_cluster_size, min_samples, poll, selection, t0))
    except ChildNeverStarted as exc:
        yield f"HDBSCAN's worker process did not start ({exc}); clustering in this process instead"
    yield time.perf_counter() - t0
    return hdbscan_fit(x, min_cluster_size, min_samples, selection)


def _in_child(x, min_cluster_size, min_samples, poll, selection, t0):
    import multiprocessing as mp
    import os
    import tempfile
    import time

    from latentview.core.errors import UserError

    ctx = mp.get_context("spawn")
    # The points go through a file: a large argument written into a child that died while starting
    # would block the write for ever.
    fd, path = tempfile.mkstemp(suffix=".npy", prefix="latentview-hdbscan-")
    with os.fdopen(fd, "wb") as fh:
        np.save(fh, np.ascontiguousarray(x))
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=CHILD_TARGET, args=(child, path, min_cluster_size, min_samples, selection),
                       daemon=True)  # fmt: skip
    started = running = False
    try:
        try:
            proc.start()
        except OSError as exc:
            raise ChildNeverStarted(str(exc)) from exc
        started = True
        child.close()
        while True:
            while not parent.poll(poll) and proc.is_alive():
                yield time.perf_counter() - t0
            try:
                status, value = parent.recv()
            except EOFError:  # no word and no process
                proc.join(5)
                if not running:
                    raise ChildNeverStarted(f"exit code {proc.exitcode}") from None
                raise UserError(f"HDBSCAN's worker process stopped unexpectedly (exit code {proc.exitcode}); "
                                "try k-means or fewer points.") from None  # fmt: skip
            if status == "started":
                running = True
                continue
            if status == "ok":
                return value
            raise RuntimeError(f"HDBSCAN failed: {value}")
    finally:
        if started:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
        parent.close()
        os.unlink(path)


def nearest_labels(sample: np.ndarray, sample_labels: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(sample)
    idx = nn.kneighbors(query, return_distance=False)[:, 0]
    return sample_labels[idx]


def merge_levels(x: np.ndarray, labels: np.ndarray, min_clusters: int = 6) -> list[np.ndarray]:
    """Coarser cuts of the clusters, coarsest first: average linkage of the cluster centroids in the
    clustering space, cut at ~K/2, K/4, … groups (at least 3: two names say little). Each cut is (K,)
    group ids."""
    from scipy.cluster.hierarchy import fcluster, linkage

    k = int(labels.max()) + 1 if len(labels) else 0
    if k < min_clusters:
        return []
    cent = np.stack([x[labels == c].mean(axis=0) for c in range(k)]).astype(np.float64)
    tree = linkage(cent, method="average")
    cuts, seen, g = [], {k}, k // 2
    while g >= 3:
        parent = fcluster(tree, t=g, criterion="maxclust") - 1
        if int(parent.max()) + 1 not in seen:
            seen.add(int(parent.max()) + 1)
            cuts.append(relabel_by_size(parent.astype(np.int32)))
        g //= 2
    return cuts[::-1]


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
