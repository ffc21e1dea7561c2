"""Named clusterings are kept on disk: a second open of the same set reads them instead of clustering."""

import numpy as np
import pytest

from latentview.backends import cluster_cache
from latentview.backends import clustering as backend
from latentview.core.dataset import Dataset
from latentview.core.progress import Log
from latentview.services import clusters as service
from latentview.services.clusters import ClusterParams, cached_clusters
from latentview.services.runner import drive


def _blobs(seed=0, kind="gan", labels=None):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 32)) * 4
    lab = np.repeat(np.arange(4), 50)
    x = (centres[lab] + rng.normal(size=(len(lab), 32))).astype(np.float32)
    names = labels or [f"blob{j}" for j in lab]
    return Dataset(kind, [f"s{i}" for i in range(len(lab))], names, x)


def _run(ds, params=None):
    logs = []
    return drive(cached_clusters(ds, params), None, None, logs.append), logs


def _no_clustering(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("clustered again although the result was cached")

    monkeypatch.setattr(service, "cluster_dataset", fail)


def test_a_named_clustering_is_computed_once_then_read_from_disk(fresh_cache, monkeypatch):
    ds = _blobs()
    first, _ = _run(ds, ClusterParams(space="pca"))
    assert len(first) == 4 and len(list(cluster_cache.cluster_dir().glob("*.npz"))) == 1
    _no_clustering(monkeypatch)
    again_ds = Dataset(ds.kind, list(ds.items), list(ds.labels), ds.embeddings.copy())  # reopened
    again, logs = _run(again_ds, ClusterParams(space="pca"))
    assert np.array_equal(again.labels, first.labels) and again.names == first.names
    assert again.method == first.method and again.params == first.params
    assert [lv.names for lv in again.levels] == [lv.names for lv in first.levels]
    assert any("from the cache" in e.message for e in logs)
    # any change of embeddings, parameters or naming source misses
    for other, params in (
        (_blobs(seed=1), ClusterParams(space="pca")),
        (ds, ClusterParams(space="pca", min_cluster_size=7)),
        (ds, ClusterParams(space="pca", assign_leftovers=True)),
        (ds, ClusterParams("kmeans", k=4, space="pca")),
        (_blobs(labels=[f"other{i % 4}" for i in range(200)]), ClusterParams(space="pca")),
        (_blobs(kind="images"), ClusterParams(space="pca")),
    ):
        with pytest.raises(AssertionError, match="clustered again"):
            _run(other, params)


def test_a_damaged_entry_is_moved_aside_logged_once_and_computed_again(fresh_cache):
    ds = _blobs()
    params = ClusterParams(space="pca")
    first, _ = _run(ds, params)
    (path,) = cluster_cache.cluster_dir().glob("*.npz")
    path.write_bytes(b"PK\x03\x04 not really a zip")
    again, logs = _run(ds, params)
    warnings = [e for e in logs if isinstance(e, Log) and "could not be read" in e.message]
    assert len(warnings) == 1 and "moved aside" in warnings[0].message
    assert np.array_equal(again.labels, first.labels)
    assert path.with_suffix(".bad").exists() and path.exists()  # the damaged file kept aside, a fresh one
    third, logs = _run(ds, params)
    assert np.array_equal(third.labels, first.labels) and any("from the cache" in e.message for e in logs)


def test_an_entry_for_other_points_is_damaged_not_used(fresh_cache):
    key = cluster_cache.cluster_key(np.zeros((3, 2), np.float32), {"a": 1})
    cluster_cache.store_clustering(key, np.array([0, 1, -1]), {"names": ["x", "y"]})
    assert cluster_cache.load_clustering(key, 3)["names"] == ["x", "y"]
    with pytest.raises(cluster_cache.DamagedEntry):
        cluster_cache.load_clustering(key, 4)
    assert cluster_cache.load_clustering(key, 3) is None  # moved aside: a miss from now on


def test_a_cancelled_run_leaves_nothing_on_disk(fresh_cache):
    ds = _blobs()
    gen = cached_clusters(ds, ClusterParams(space="pca"))
    for _ in range(3):
        next(gen)
    gen.close()  # what the task runner does on cancel
    folder = cluster_cache.cluster_dir()
    assert not list(folder.iterdir())


def test_an_unwritable_cache_folder_only_costs_the_speed(fresh_cache, monkeypatch):
    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cluster_cache.np, "savez", refuse)
    c, _ = _run(_blobs(), ClusterParams(space="pca"))
    assert len(c) == 4 and not list(cluster_cache.cluster_dir().iterdir())


def test_the_sampled_hdbscan_constants_are_part_of_the_key(fresh_cache, monkeypatch):
    ds = _blobs()
    _run(ds, ClusterParams(space="pca"))
    monkeypatch.setattr(backend, "HDBSCAN_SAMPLE", 100)
    _no_clustering(monkeypatch)
    with pytest.raises(AssertionError, match="clustered again"):
        _run(ds, ClusterParams(space="pca"))


def test_an_entry_declaring_a_huge_array_is_damaged_without_allocating(fresh_cache):
    import tracemalloc

    from tests.backends.test_array_files import _huge, _npz

    key = cluster_cache.cluster_key(np.zeros((3, 2), np.float32), {"a": 2})
    path = _npz(cluster_cache.cluster_dir() / f"{key}.npz", {"labels": _huge((2_000_000_000,), "<i4")})
    tracemalloc.start()
    try:
        with pytest.raises(cluster_cache.DamagedEntry):
            cluster_cache.load_clustering(key, 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20 and path.with_suffix(".bad").exists()  # 8 GB declared, nothing allocated
