"""UMAP/t-SNE layouts are kept on disk with the embeddings: reopening the same set is instant."""

import numpy as np

from latentview.backends import layout_cache, projectors
from latentview.backends.projectors import ProjectionParams
from latentview.core.progress import Partial
from latentview.services.projection import project
from latentview.services.runner import drive


def _run(x, params):
    events, gen = [], project(x, params)
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return stop.value, events


def test_a_layout_is_computed_once_then_read_from_disk(fresh_cache, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 24)).astype(np.float32)
    params = ProjectionParams("umap", {"n_neighbors": 8})
    first, events = _run(x, params)
    assert any(isinstance(e, Partial) for e in events)  # computed: the PCA preview came first
    assert len(list(layout_cache.layout_dir().glob("*.npy"))) == 1

    def no_fit(*_a, **_k):
        raise AssertionError("UMAP ran again for a cached layout")

    monkeypatch.setattr(projectors, "umap", no_fit)
    monkeypatch.setattr(projectors, "run", no_fit)
    again, events = _run(x.copy(), params)  # the same embeddings reopened (a new array object)
    assert np.array_equal(again, first) and not any(isinstance(e, Partial) for e in events)
    # other settings or other embeddings miss
    with np.testing.assert_raises(AssertionError):
        drive(project(x, ProjectionParams("umap", {"n_neighbors": 9})))
    with np.testing.assert_raises(AssertionError):
        drive(project(x[:-1], params))


def test_a_damaged_layout_file_is_a_miss(fresh_cache):
    x = np.random.default_rng(1).normal(size=(60, 8)).astype(np.float32)
    key = layout_cache.layout_key(x, "umap", {"n_neighbors": 5})
    (layout_cache.layout_dir() / f"{key}.npy").write_bytes(b"not a numpy file")
    assert layout_cache.load_layout(key, 60) is None
    assert not (layout_cache.layout_dir() / f"{key}.npy").exists()
    layout_cache.store_layout(key, np.ones((60, 2)))
    assert layout_cache.load_layout(key, 60).shape == (60, 2)
    assert layout_cache.load_layout(key, 61) is None  # a wrong shape never reaches the map


def test_a_layout_file_declaring_a_huge_array_is_a_miss_without_allocating(fresh_cache):
    import tracemalloc

    from tests.backends.test_array_files import _huge

    x = np.random.default_rng(2).normal(size=(60, 8)).astype(np.float32)
    key = layout_cache.layout_key(x, "umap", {"n_neighbors": 5})
    path = layout_cache.layout_dir() / f"{key}.npy"
    path.write_bytes(_huge((1_000_000_000, 2), "<f4"))
    tracemalloc.start()
    try:
        assert layout_cache.load_layout(key, 60) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20 and not path.exists()  # 8 GB declared, nothing allocated
