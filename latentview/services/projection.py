"""Embeddings → 2-D, with a PCA layout yielded first so the map is never empty while UMAP works."""

from __future__ import annotations

import numpy as np

from latentview.backends import projectors
from latentview.backends.projectors import DEFAULT_PARAMS, METHODS, ProjectionParams
from latentview.core.progress import Partial, Progress

__all__ = [
    "DEFAULT_PARAMS",
    "METHODS",
    "ProjectionParams",
    "codes_then_project",
    "pick_index_task",
    "project",
    "umap_preview",
    "wait_for_warm_up",
    "warm_up",
]

PREVIEW_ABOVE = 8_000  # UMAP of more rows than this first shows a preview ...
# ... the UMAP of this many rows, every other row placed beside its nearest ones (2,000 rows cost 3×
# the CPU of 1,000 for a preview that reads the same)
PREVIEW_ROWS = 1_000


def umap_preview(x: np.ndarray, params: projectors.ProjectionParams, rows=None) -> np.ndarray:
    """A readable UMAP-like layout in a fraction of the time: UMAP of `rows` (default: a random
    sample; for words, the most frequent), every other row at the similarity-weighted mean of its
    nearest sampled rows (core.rows.place)."""
    from latentview.core.neighbors import normalize
    from latentview.core.rows import AddedRows, nearest_rows, place

    n = len(x)
    if rows is None:
        rows = np.sort(np.random.default_rng(0).choice(n, min(PREVIEW_ROWS, n), replace=False))
    rows = np.asarray(rows, dtype=np.int64)
    sub = projectors.umap(np.asarray(x[rows], np.float32), **params.resolved(), n_epochs=200)
    rest = np.setdiff1d(np.arange(n), rows)
    out = np.zeros((n, 2), np.float32)
    out[rows] = sub
    for start in range(0, len(rest), 65_536):
        part = rest[start : start + 65_536]
        idx, sims = nearest_rows(normalize(x[rows]), x[part], k=5)
        out[part] = place(sub, AddedRows(len(rows), idx, sims))
    # A small sample leaves tiny components (e.g. the months) far out, which shrinks the whole
    # preview into a corner of the view: pull the outer 0.5 % in to the edge of the rest.
    lo, hi = np.percentile(out, [0.5, 99.5], axis=0)
    pad = 0.05 * (hi - lo)
    return np.clip(out, lo - pad, hi + pad)


def project(embeddings: np.ndarray, params: projectors.ProjectionParams, preview_rows=None,
            use_cache: bool = True):  # fmt: skip
    """Generator: yields Partial(PCA coords) before a slow method (and a UMAP preview for big sets),
    returns the final (N, 2) coords. `preview_rows`: the rows the preview lays out first. A slow
    layout of the same embeddings and settings comes from the disk cache at once."""
    x = np.asarray(embeddings)  # float16 stays float16: projections read it block by block
    if params.method != "pca" and use_cache and len(x):
        from latentview.backends import layout_cache

        yield Progress(0, 1, "Projecting: looking for a saved layout")
        key = layout_cache.layout_key(x, params.method, params.resolved())
        cached = layout_cache.load_layout(key, len(x))
        if cached is not None:
            return cached
        coords = yield from project(x, params, preview_rows, use_cache=False)
        layout_cache.store_layout(key, coords)
        return coords
    yield Progress(0, 1, "Projecting (PCA)")
    quick = projectors.pca(x)
    if params.method == "pca":
        return quick
    yield Partial(quick, "pca")
    yield from wait_for_warm_up()
    if params.method == "umap" and len(x) > PREVIEW_ABOVE:
        msg = f"Projecting (UMAP preview of {PREVIEW_ROWS:,} points, then all {len(x):,})"
        if not projectors.umap_is_compiled():
            msg += " — first run compiles UMAP (~40 s, cached for next time)"
        yield Progress(0, 1, msg)
        preview = umap_preview(x, params, preview_rows)
        yield Partial(preview, "umap preview")
        yield Progress(0, 1, f"Projecting (UMAP, {len(x):,} points; the preview is on the map)")
        # Not seeded with the preview: umap-learn with an array init cost 4× the CPU of its spectral
        # start here (8,000 words: 39 s vs 9 s), so the map changes once more when the full UMAP lands.
        return projectors.umap(x, **params.resolved())
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


def warm_up(poll: float = 0.2, target=None):
    """Generator for the runner: a first launch compiles UMAP's kernels in another process while the
    images are embedded (~40–60 s that would otherwise come after); a cancel ends that process."""
    proc = projectors.start_warm_up(target)
    if proc is None:
        return
    try:
        while proc.is_alive():
            yield Progress(0, 1, "Preparing UMAP (compiling once, cached for next time)")
            proc.join(poll)
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(5)


def wait_for_warm_up(poll: float = 0.2):
    """The layout waits for a running warm-up rather than compiling the same kernels beside it."""
    import time

    while projectors.warm_up_running():
        yield Progress(0, 1, "Projecting: UMAP compiling once (~40 s, cached for next time)")
        time.sleep(poll)


def codes_then_project(ds, params: projectors.ProjectionParams):
    """Generator for the runner: the label codes (cached on the dataset: a Python pass over every label
    would freeze the window at a million points), then the projection."""
    ds.label_codes()
    return (yield from project(ds.embeddings, params, ds.meta.get("preview_rows")))


def pick_index_task(xy: np.ndarray):
    """Generator for the runner: the map's picking grid (core.geometry.PointIndex), built off the GUI
    thread for a big map."""
    from latentview.core.geometry import PointIndex

    yield Progress(0, 1, f"Indexing {len(xy):,} map positions")
    return PointIndex(xy)
