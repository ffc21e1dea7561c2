"""Adding rows to a map (core): placement and cluster joining by nearest rows, a session that keeps its
layout, selection and focus, and explore state (groups, clusters, trust) extended rather than reset."""

from __future__ import annotations

import numpy as np

from latentview.core.clusters import NOISE, Clustering
from latentview.core.dataset import Dataset
from latentview.core.explore import ExploreState, TrustResult
from latentview.core.rows import AddedRows, joined_labels, nearest_rows, place
from latentview.core.session import Session


def _data(n=6):
    emb = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1], [0.1, 0, 0.9]], np.float32)
    return Dataset("words", [f"w{i}" for i in range(n)], ["a"] * n, emb[:n])


def test_nearest_rows_place_and_join():
    base = _data()
    unit = base.embeddings / np.linalg.norm(base.embeddings, axis=1, keepdims=True)
    new = np.array([[1, 0.05, 0], [-1, -1, -1]], np.float32)
    idx, sims = nearest_rows(unit, new, k=2, block=4)  # blocks smaller than the base: merged right
    assert set(idx[0]) == {0, 1} and sims[0, 0] >= sims[0, 1] > 0.9
    coords = np.arange(12, dtype=float).reshape(6, 2)
    xy = place(coords, AddedRows(6, idx, sims))
    assert coords[0, 0] <= xy[0, 0] <= coords[1, 0]  # between its two nearest rows
    labels = np.array([0, 0, 1, 1, 2, 2])
    assert joined_labels(labels, AddedRows(6, idx, sims)).tolist() == [0, NOISE]  # far: in no cluster


def test_session_add_rows_keeps_layout_selection_focus_and_extends_late_layouts():
    s = Session()
    old = _data()
    s.set_dataset(old)
    s.set_coords(np.arange(12, dtype=float).reshape(6, 2), "umap")
    s.select_indices([2, 3])
    s.set_focus(2)
    seen = []
    s.rows_added.connect(lambda added: seen.append(("rows", added.start, len(added))))
    s.coords_changed.connect(lambda final: seen.append(("coords", final)))
    s.dataset_changed.connect(lambda: seen.append("dataset"))
    new = old.extended(["x"], ["added"], np.array([[0, 1, 0.05]], np.float32))
    added = s.add_rows(new)
    assert seen == [("rows", 6, 1), ("coords", True)]  # no dataset_changed: nothing is reset
    assert s.dataset is new and s.focus == 2 and s.selected_indices.tolist() == [2, 3]
    assert added.nearest[0, 0] in (2, 3) and len(s.coords) == 7
    assert np.linalg.norm(s.coords[6] - s.coords[2]) < np.linalg.norm(s.coords[6] - s.coords[0])
    # a layout computed for the 6-row dataset lands: extended with the 7th row placed
    s.set_layout(old, -np.arange(12, dtype=float).reshape(6, 2), "tsne")
    assert s.projection == "tsne" and len(s.coords) == 7 and s.coords[0, 1] == -1
    s.set_dataset(_data())
    assert not s.extends(old)


def test_explore_state_extends_groups_clusters_and_trust():
    ds = _data()
    ex = ExploreState()
    ex.reset(ds)
    ex.groups.add("g", [0, 1])
    ex.set_clustering(Clustering(np.array([0, 0, 1, 1, 2, 2]), ["x", "y", "z"]))
    ex.set_trust(TrustResult(2, np.full(6, 0.5), 0.9, np.zeros((6, 2), np.int64)))
    new = ds.extended(["n"], ["added"], np.array([[0.95, 0.05, 0]], np.float32))
    ex.extend(new, AddedRows(6, np.array([[0, 1]]), np.array([[0.99, 0.9]], np.float32)))
    assert ex.dataset_id == id(new) and ex.groups.get("g").indices.tolist() == [0, 1]
    assert ex.groups.get("g").mask.shape == (7,)
    assert ex.clustering.labels.tolist() == [0, 0, 1, 1, 2, 2, 0] and ex.clustering.params["added"] == 1
    assert np.isnan(ex.trust.recall[6]) and ex.trust.high_knn[6].tolist() == [-1, -1]


def test_dataset_extended_and_label_order():
    ds = Dataset(
        "words", ["a", "b"], ["rare", "top"], np.eye(2, dtype=np.float32), meta={"label_order": ["top"]}
    )
    more = ds.extended(["c"], ["added"], np.ones((1, 2)), extra=1)
    assert more.items == ["a", "b", "c"] and more.meta["extra"] == 1 and ds.items == ["a", "b"]
    codes, names = more.label_codes()
    assert names == ["top", "added", "rare"] and codes.tolist() == [2, 0, 1]
