"""Clustering in the full space and naming, without a window."""

import os

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from latentview.backends import clustering as backend
from latentview.core.clusters import Clustering, name_from_votes
from latentview.core.dataset import Dataset
from latentview.core.errors import UserError
from latentview.core.progress import Log, Progress
from latentview.services.clusters import ClusterParams, cluster_dataset
from latentview.services.runner import drive


def _blobs(n_per=60, k=4, d=64, seed=0, kind="gan"):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 4
    lab = np.repeat(np.arange(k), n_per)
    x = (centres[lab] + rng.normal(size=(len(lab), d))).astype(np.float32)
    return Dataset(kind, [f"s{i}" for i in range(len(lab))], [f"blob{j}" for j in lab], x), lab


def test_hdbscan_finds_the_blobs_and_names_them_by_label():
    ds, truth = _blobs()
    events = []
    c = drive(cluster_dataset(ds), events.append)
    assert len(c) == 4 and adjusted_rand_score(truth, c.labels) > 0.95
    assert any(isinstance(e, Progress) for e in events)
    assert sorted(c.names) == ["blob0", "blob1", "blob2", "blob3"]  # no model head: majority label
    assert c.method == "hdbscan" and c.params["min_cluster_size"] == 5
    assert list(c.sizes()) == sorted(c.sizes(), reverse=True)  # cluster 0 is the largest


def test_kmeans_gives_k_clusters():
    ds, truth = _blobs(k=3)
    c = drive(cluster_dataset(ds, ClusterParams("kmeans", k=3)))
    assert len(c) == 3 and c.n_noise == 0 and adjusted_rand_score(truth, c.labels) > 0.95


def test_large_maps_fit_a_sample_and_assign_the_rest(monkeypatch):
    monkeypatch.setattr(backend, "HDBSCAN_SAMPLE", 200)
    ds, truth = _blobs(n_per=150)
    logs = []
    c = drive(cluster_dataset(ds), None, None, logs.append)
    assert any(isinstance(e, Log) and "sample of 200" in e.message for e in logs)
    assert len(c) == 4 and adjusted_rand_score(truth, c.labels) > 0.9


def test_word_clusters_are_named_by_words_nearest_the_centroid():
    rng = np.random.default_rng(3)
    fruit = ["apple", "pear", "plum", "peach", "cherry", "grape"]
    tools = ["hammer", "saw", "drill", "wrench", "chisel", "pliers"]
    base = rng.normal(size=(2, 16)) * 5
    emb = np.concatenate([base[0] + rng.normal(size=(6, 16)), base[1] + rng.normal(size=(6, 16))])
    emb[0] = base[0]  # 'apple' is the fruit centroid itself
    ds = Dataset("words", fruit + tools, ["w"] * 12, emb.astype(np.float32))
    c = drive(cluster_dataset(ds, ClusterParams("kmeans", k=2)))
    fruit_cluster = c.labels[0]
    name = c.names[fruit_cluster]
    assert name.split(", ")[0] == "apple" and set(name.split(", ")) <= set(fruit)


def test_names_from_votes_and_point_names():
    votes = [
        [("espresso", 0.9), ("cup", 0.05)],
        [("espresso", 0.6), ("cup", 0.3)],
        [("cup", 0.5), ("mug", 0.2)],
    ]
    assert name_from_votes(votes) == "espresso · cup"
    c = Clustering(np.array([0, -1, 1, 0]), ["a"])
    assert c.names == ["a", "cluster 2"]
    assert c.point_names() == ["a", "noise", "cluster 2", "a"]
    back = Clustering.from_json(c.to_json())
    assert np.array_equal(back.labels, c.labels) and back.names == c.names
    centres = c.centres(np.array([[0, 0], [5, 5], [9, 9], [2, 2.0]]))
    assert centres[1].tolist() == [9, 9] and centres[0].tolist() in ([0, 0], [2, 2])


def test_cancelling_a_large_hdbscan_terminates_its_process():
    import multiprocessing as mp

    x = np.random.default_rng(0).normal(size=(backend.PROCESS_MIN_POINTS + 2000, 20)).astype(np.float32)
    gen = backend.hdbscan_steps(x, 50)
    next(gen)
    assert len(mp.active_children()) == 1
    gen.close()
    assert mp.active_children() == []


def _crash_after_start(conn, *args):
    conn.send(("started", None))
    os._exit(3)


def _die_before_start(conn, *args):
    os._exit(3)


def test_a_crashed_hdbscan_child_is_reported_not_run_again(monkeypatch):
    monkeypatch.setattr(backend, "CHILD_TARGET", _crash_after_start)
    x = np.random.default_rng(0).normal(size=(backend.PROCESS_MIN_POINTS + 10, 5)).astype(np.float32)
    with pytest.raises(UserError, match="stopped unexpectedly"):
        drive(backend.hdbscan_steps(x, 50))


def test_hdbscan_runs_here_only_when_its_child_never_started(monkeypatch):
    monkeypatch.setattr(backend, "CHILD_TARGET", _die_before_start)
    ds, truth = _blobs(n_per=(backend.PROCESS_MIN_POINTS // 4) + 10, d=8)
    logs = []
    c = drive(cluster_dataset(ds, ClusterParams(space="pca")), None, None, logs.append)
    assert any("did not start" in e.message for e in logs)
    assert adjusted_rand_score(truth, c.labels) > 0.9


def test_leftovers_join_their_nearest_cluster_and_the_hierarchy_names_coarser_groups():
    ds, _ = _blobs(n_per=40, k=8, d=32, seed=2)
    ds.embeddings[::7] += (
        np.random.default_rng(1).normal(size=ds.embeddings[::7].shape).astype(np.float32) * 6
    )
    plain = drive(cluster_dataset(ds, ClusterParams(space="pca")))
    full = drive(cluster_dataset(ds, ClusterParams(space="pca", assign_leftovers=True)))
    assert plain.n_noise > 0 and full.n_noise == 0 and full.coverage == 1.0
    assert full.params["leftovers"] == "assigned"
    assert full.levels and all(len(lv.names) < len(full) for lv in full.levels)
    counts = [len(lv.names) for lv in full.levels]
    assert counts == sorted(counts) and counts[0] >= 2
    back = Clustering.from_json(full.to_json())
    assert [lv.names for lv in back.levels] == [lv.names for lv in full.levels]
