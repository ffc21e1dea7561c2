"""2-D projections of embeddings: PCA (instant), UMAP and t-SNE (slow, run in the background)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentview.backends.paths import numba_cache_dir

METHODS = ("pca", "umap", "tsne")
DEFAULT_PARAMS = {
    "pca": {},
    "umap": {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine"},
    "tsne": {"perplexity": 30.0},
}


@dataclass(frozen=True)
class ProjectionParams:
    method: str = "umap"
    options: dict = field(default_factory=dict)

    def resolved(self) -> dict:
        return {**DEFAULT_PARAMS[self.method], **self.options}


FIT_SAMPLE = 200_000  # rows that estimate the components of a bigger set


def _rows_f32(x: np.ndarray, unit_rows: bool) -> np.ndarray:
    out = np.asarray(x, dtype=np.float32)
    if unit_rows:
        out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


def pca(x: np.ndarray, dims: int = 2, unit_rows: bool = False) -> np.ndarray:
    """Leading principal components by randomized subspace iteration on the data itself.

    Forming the D×D covariance costs N·D² (33 GFLOP for 10k × 1280, ~0.4 s here); a block of
    `dims + 14` vectors pushed through X and Xᵀ 16 times costs ~N·D·(dims+10)·24 — an order of
    magnitude less — and converges tightly for the few components a map needs. Past FIT_SAMPLE rows
    the components come from a random sample and every row is projected once, block by block, so a
    million float16 rows are read once and never copied whole. `unit_rows` L2-normalises each row
    first (cosine geometry) without materialising the normalised matrix.
    """
    from latentview.backends.blas import few_threads

    with few_threads(int(np.size(x))):
        return _pca(x, dims, unit_rows)


def _pca(x: np.ndarray, dims: int, unit_rows: bool) -> np.ndarray:
    n, d = x.shape if np.ndim(x) == 2 else (len(x), 0)
    if n == 0 or d == 0:
        return np.zeros((n, dims), np.float32)
    if n > FIT_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(n, FIT_SAMPLE, replace=False))
        fit = _rows_f32(x[rows], unit_rows)
    else:
        fit = _rows_f32(x, unit_rows)
    mean = fit.mean(axis=0, dtype=np.float64).astype(np.float32)
    k = min(dims, d, len(fit))
    if d <= 64 or k + 10 >= min(len(fit), d):
        c = fit - mean
        _, vecs = np.linalg.eigh((c.T @ c).astype(np.float64))
        comps = vecs[:, ::-1][:, :k].astype(np.float32)
    else:
        comps = _randomized_components(fit, mean, k)
    # Fix each component's sign so the same data always gives the same picture.
    signs = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(comps.shape[1])])
    comps *= np.where(signs == 0, 1, signs)
    out = np.zeros((n, dims), np.float32)
    src = fit if n <= FIT_SAMPLE else None
    for start in range(0, n, 65_536):
        block = (
            src[start : start + 65_536]
            if src is not None
            else _rows_f32(x[start : start + 65_536], unit_rows)
        )
        out[start : start + 65_536, :k] = (block - mean) @ comps
    return out


def _randomized_components(x: np.ndarray, mean: np.ndarray, k: int, iters: int = 16) -> np.ndarray:
    block = k + 14
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((x.shape[1], block)).astype(np.float32))[0]

    def cov_times(v: np.ndarray) -> np.ndarray:  # (Xc)ᵀ(Xc) v without forming Xc
        z = x @ v - mean @ v
        return x.T @ z - np.outer(mean, z.sum(axis=0))

    for _ in range(iters):
        q = np.linalg.qr(cov_times(q))[0]
    small = q.T @ cov_times(q)
    _, vecs = np.linalg.eigh(small.astype(np.float64))
    return (q @ vecs[:, ::-1].astype(np.float32))[:, :k]


def _reduce_for_neighbours(x: np.ndarray) -> np.ndarray:
    """PCA-50 first: UMAP/t-SNE see the same neighbourhoods, much faster on 1280-d features."""
    return pca(x, 50) if x.shape[1] > 50 and len(x) > 50 else np.asarray(x, np.float32)


def umap_is_compiled() -> bool:
    """Whether numba's on-disk cache already holds UMAP's kernels (so no ~40 s compile): one of those
    umap-learn leaves uncached (import_umap caches them), looked for where numba writes them."""
    root = Path(os.environ.get("NUMBA_CACHE_DIR") or numba_cache_dir())
    return any(root.rglob("*smooth_knn_dist*.nbi"))


def prepare_numba() -> None:
    """Must run before numba is imported, or its cache lands beside the (possibly read-only) package."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))


def import_umap():
    """umap-learn, with its kernels cached on disk. umap-learn jit-compiles several of them without
    numba's `cache=True` (fast_knn_indices, smooth_knn_dist, compute_membership_strengths, the layout
    epoch: ~35 s of compiling on a busy 2-core machine) on *every* launch, so a first map paid it
    each time; here they are switched to the same on-disk cache as the rest (numba_cache_dir)."""
    prepare_numba()
    import umap as umap_lib

    global _UMAP_CACHED
    if not _UMAP_CACHED:
        _UMAP_CACHED = True
        _cache_kernels("umap")
    return umap_lib


_UMAP_CACHED = False


def _cache_kernels(package: str) -> None:
    import sys
    import warnings

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher
    from numba.core.errors import NumbaWarning

    warnings.filterwarnings("ignore", message="Cannot cache compiled function", category=NumbaWarning)
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Dispatcher) and isinstance(obj._cache, NullCache):
                try:
                    obj.enable_caching()
                except Exception:  # a kernel that cannot be cached just compiles as before
                    pass


def warm_up_umap() -> None:
    """Compiles UMAP's kernels into the numba cache on a tiny set, with the real runs' types (float32
    PCA rows, cosine; a 10-d fit with min_dist 0 for the clustering space)."""
    from latentview.backends.clustering import umap_space

    x = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    umap(x)
    umap_space(x / np.linalg.norm(x, axis=1, keepdims=True))


_warm_proc = None


def start_warm_up(target=None):
    """A first launch (no compiled UMAP in the numba cache) compiles the kernels in a spawned process
    (~40–60 s) while the folder's images are embedded: in a thread, the compiler held the interpreter
    lock and slowed the embedding as much as it saved. Returns the process, or None when there is
    nothing to compile or no process could start; `warm_up_running` tells the layout to wait for it."""
    global _warm_proc
    if umap_is_compiled() or warm_up_running():
        return None
    import multiprocessing as mp

    prepare_numba()  # the child inherits NUMBA_CACHE_DIR
    try:
        proc = mp.get_context("spawn").Process(target=target or warm_up_umap, daemon=True)
        proc.start()
    except OSError:
        return None
    _warm_proc = proc
    return proc


def warm_up_running() -> bool:
    return _warm_proc is not None and _warm_proc.is_alive()


def umap(x: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, metric: str = "cosine",
         seed: int = 42, init: np.ndarray | None = None, n_epochs: int | None = None) -> np.ndarray:  # fmt: skip
    """`init`: a starting layout (e.g. a quick preview's), which also skips the spectral start."""
    from latentview.backends.blas import few_threads

    umap_lib = import_umap()

    n = len(x)
    if n < 5:
        return pca(x)
    reducer = umap_lib.UMAP(
        n_neighbors=max(2, min(int(n_neighbors), n - 1)),
        min_dist=float(min_dist),
        metric=metric,
        random_state=seed,
        n_jobs=1,
        init=np.asarray(init, np.float32) if init is not None else ("spectral" if n > 10 else "random"),
        n_epochs=n_epochs,
    )
    with few_threads(int(np.size(x))):
        return reducer.fit_transform(_reduce_for_neighbours(x)).astype(np.float32)


def tsne_steps(x: np.ndarray, perplexity: float = 30.0, seed: int = 42, step: int = 50):
    """openTSNE optimised in steps: yields the layout every `step` iterations (Orange-style live
    t-SNE), returns the final one. Cancelling between steps stops the work."""
    prepare_numba()
    n = len(x)
    if n < 5:
        return pca(x)
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3.0)))
    from openTSNE import TSNEEmbedding, affinity, initialization

    data = _reduce_for_neighbours(x)
    aff = affinity.PerplexityBasedNN(data, perplexity=perplexity, metric="cosine", n_jobs=1,
                                     random_state=seed, verbose=False)  # fmt: skip
    emb = TSNEEmbedding(initialization.pca(data, random_state=seed), aff, n_jobs=1, random_state=seed)
    schedule = [(250, 12.0, 0.5), (500, 1.0, 0.8)]  # early exaggeration, then the normal phase
    for total, exaggeration, momentum in schedule:
        for _ in range(0, total, step):
            emb = emb.optimize(n_iter=step, exaggeration=exaggeration, momentum=momentum)
            yield np.asarray(emb, dtype=np.float32)
    return np.asarray(emb, dtype=np.float32)


def tsne(x: np.ndarray, perplexity: float = 30.0, seed: int = 42) -> np.ndarray:
    gen = tsne_steps(x, perplexity, seed)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def run(x: np.ndarray, params: ProjectionParams) -> np.ndarray:
    opts = params.resolved()
    if params.method == "pca":
        return pca(x)
    if params.method == "umap":
        return umap(x, **opts)
    if params.method == "tsne":
        return tsne(x, **opts)
    raise ValueError(f"Unknown projection '{params.method}'. Choose pca, umap or tsne.")
