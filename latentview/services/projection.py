"""Embeddings → 2-D, with a PCA layout yielded first so the map is never empty while UMAP works."""

from __future__ import annotations

import numpy as np

from latentview.backends import projectors
from latentview.core.progress import Partial, Progress


def project(embeddings: np.ndarray, params: projectors.ProjectionParams, use_cache: bool = True):
    """Generator: yields Partial(PCA coords) before a slow method, returns the final (N, 2) coords.
    A slow layout of the same embeddings and settings comes from the disk cache at once."""
    x = np.asarray(embeddings)  # float16 stays float16: projections read it block by block
    if params.method != "pca" and use_cache and len(x):
        from latentview.backends import layout_cache

        yield Progress(0, 1, "Projecting: looking for a saved layout")
        key = layout_cache.layout_key(x, params.method, params.resolved())
        cached = layout_cache.load_layout(key, len(x))
        if cached is not None:
            return cached
        coords = yield from project(x, params, use_cache=False)
        layout_cache.store_layout(key, coords)
        return coords
    yield Progress(0, 1, "Projecting (PCA)")
    quick = projectors.pca(x)
    if params.method == "pca":
        return quick
    yield Partial(quick, "pca")
    name = {"umap": "UMAP", "tsne": "t-SNE"}[params.method]
    msg = f"Projecting ({name}, {len(x):,} points)"
    if params.method == "umap" and not projectors.umap_is_compiled():
        msg += " — first run compiles UMAP (~40 s, cached for next time)"
    yield Progress(0, 1, msg)
    if params.method == "tsne":  # streams: the map moves while t-SNE optimises
        steps = projectors.tsne_steps(x, **params.resolved())
        done = 0
        while True:
            try:
                layout = next(steps)
            except StopIteration as stop:
                return stop.value
            done += 1
            yield Partial(layout, "tsne")
            yield Progress(done, 15, f"t-SNE optimising ({len(x):,} points)", unit="steps")
    return projectors.run(x, params)
