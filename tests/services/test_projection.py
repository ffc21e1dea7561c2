import numpy as np

from latentview.backends.projectors import ProjectionParams
from latentview.core.progress import Partial
from latentview.services.projection import project


def _blobs(n_per=40, dim=32, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 8, (k, dim))
    labels = np.repeat(np.arange(k), n_per)
    return (centres[labels] + rng.normal(size=(len(labels), dim))).astype(np.float32), labels


def _separated(xy, labels) -> bool:
    """Each point's nearest other point on the map has its label."""
    d = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.mean(labels[d.argmin(1)] == labels) > 0.95


def test_tsne_streams_partial_layouts_and_separates_blobs():
    x, labels = _blobs()
    events, gen = [], project(x, ProjectionParams("tsne", {"perplexity": 10}), use_cache=False)
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            final = stop.value
            break
    partial = [e for e in events if isinstance(e, Partial)]
    assert partial[0].label == "pca"
    assert sum(p.label == "tsne" for p in partial) >= 10  # the map moves while it optimises
    assert final.shape == (120, 2) and _separated(final, labels)


def test_umap_and_pca_layouts_separate_blobs():
    x, labels = _blobs()
    for method in ("pca", "umap"):
        gen = project(x, ProjectionParams(method, {"n_neighbors": 10} if method == "umap" else {}))
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                assert _separated(stop.value, labels), method
                break
