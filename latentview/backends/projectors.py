"""2-D projections of embeddings: PCA (instant), UMAP and t-SNE (slow, run in the background)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

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


def pca(x: np.ndarray, dims: int = 2) -> np.ndarray:
    """PCA through the D×D covariance matrix: one pass over the data, seconds at a million rows."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:
        return np.zeros((0, dims), np.float32)
    mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
    cov = np.zeros((x.shape[1], x.shape[1]), dtype=np.float64)
    for start in range(0, len(x), 65_536):
        c = x[start : start + 65_536] - mean
        cov += (c.T @ c).astype(np.float64)
    comps = _top_eigenvectors(cov, dims).astype(np.float32)
    # Fix each component's sign so the same data always gives the same picture.
    signs = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(comps.shape[1])])
    comps *= np.where(signs == 0, 1, signs)
    out = np.empty((len(x), dims), np.float32)
    for start in range(0, len(x), 65_536):
        out[start : start + 65_536] = (x[start : start + 65_536] - mean) @ comps
    if out.shape[1] < dims:
        out = np.pad(out, ((0, 0), (0, dims - out.shape[1])))
    return out


def _top_eigenvectors(cov: np.ndarray, k: int) -> np.ndarray:
    """Leading eigenvectors of a symmetric PSD matrix, largest first.

    A full eigh of a 1280×1280 matrix costs ~0.5 s here; block subspace iteration needs a few
    matrix products (milliseconds) and converges tightly for the handful of components a map needs.
    """
    d = cov.shape[0]
    if d <= 128 or k > d // 4:
        _, vecs = np.linalg.eigh(cov)
        return vecs[:, ::-1][:, :k]
    block = min(d, k + 10)
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(d, block)))[0]
    scale = 1.0 / max(float(np.trace(cov)), 1e-30)
    for i in range(60):
        q = cov @ q * scale
        if i % 4 == 3:  # re-orthonormalise now and then; QR is the costly step
            q = np.linalg.qr(q)[0]
    q = np.linalg.qr(q)[0]
    small = q.T @ cov @ q
    _, vecs = np.linalg.eigh(small)
    return (q @ vecs[:, ::-1])[:, :k]


def _reduce_for_neighbours(x: np.ndarray) -> np.ndarray:
    """PCA-50 first: UMAP/t-SNE see the same neighbourhoods, much faster on 1280-d features."""
    return pca(x, 50) if x.shape[1] > 50 and len(x) > 50 else np.asarray(x, np.float32)


def umap_is_compiled() -> bool:
    """Whether numba's on-disk cache already holds UMAP kernels (so no ~40 s compile)."""
    return any(p.suffix == ".nbc" for p in numba_cache_dir().rglob("*.nbc"))


def prepare_numba() -> None:
    """Must run before numba is imported, or its cache lands beside the (possibly read-only) package."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))


def umap(x: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, metric: str = "cosine",
         seed: int = 42) -> np.ndarray:  # fmt: skip
    prepare_numba()
    import umap as umap_lib

    n = len(x)
    if n < 5:
        return pca(x)
    reducer = umap_lib.UMAP(
        n_neighbors=max(2, min(int(n_neighbors), n - 1)),
        min_dist=float(min_dist),
        metric=metric,
        random_state=seed,
        n_jobs=1,
        init="spectral" if n > 10 else "random",
    )
    return reducer.fit_transform(_reduce_for_neighbours(x)).astype(np.float32)


def tsne(x: np.ndarray, perplexity: float = 30.0, seed: int = 42) -> np.ndarray:
    prepare_numba()
    n = len(x)
    if n < 5:
        return pca(x)
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3.0)))
    from openTSNE import TSNE

    emb = TSNE(
        perplexity=perplexity,
        random_state=seed,
        n_jobs=1,
        metric="cosine",
        verbose=False,
    )
    return np.asarray(emb.fit(_reduce_for_neighbours(x)), dtype=np.float32)


def run(x: np.ndarray, params: ProjectionParams) -> np.ndarray:
    opts = params.resolved()
    if params.method == "pca":
        return pca(x)
    if params.method == "umap":
        return umap(x, **opts)
    if params.method == "tsne":
        return tsne(x, **opts)
    raise ValueError(f"Unknown projection '{params.method}'. Choose pca, umap or tsne.")
