"""Adding words to a word map keeps the user's work (issues 11 and 12), on the real built-in GloVe with
real widgets and signals: groups and clusters survive a search, nothing is re-clustered, the view stays
where the search put it, late results are extended, and an analogy's arrows are zoomed to."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from latentview.qt.explore.cluster_names import ClusterNames
from latentview.qt.explore.clusters_panel import ClusterControl, ClustersPanel
from latentview.qt.words.panel import WordsPanel
from latentview.services import words as svc


@pytest.fixture
def glove_map(window, qtbot):
    """Top 1,000 GloVe words, PCA, with its automatic topic clustering landed."""
    panel = window.findChild(WordsPanel)
    window.settings.set_method("pca")
    panel.set_word_count(1000)
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        panel.builtin_button.click()
    qtbot.waitUntil(lambda: window.state.explore.clustering is not None, timeout=60_000)
    return window, panel


def _view(window):
    return np.array(window.map.viewbox.viewRange())


def _in_view(window, xy) -> bool:
    (x0, x1), (y0, y1) = window.map.viewbox.viewRange()
    return bool(np.all((xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1)))


def test_search_off_the_map_keeps_groups_clusters_and_the_view(glove_map, qtbot):
    window, panel = glove_map
    s, ex = window.session, window.state.explore
    c0 = ex.clustering
    assert c0.method == "kmeans" and len(c0) == svc.topic_count(1000)  # topics, not 2 HDBSCAN blobs
    group = ex.groups.add("pronouns", [s.dataset.items.index(w) for w in ("he", "she", "they")])
    members = group.indices.copy()
    coords0 = s.coords.copy()
    runs = []
    window.runner.started.connect(lambda key, *_: runs.append(key))

    with qtbot.waitSignal(panel.resultsShown, timeout=20_000):
        qtbot.keyClicks(panel.search_edit, "toilet")  # rank ~10,000: off the 1,000-word map
        qtbot.keyClick(panel.search_edit, Qt.Key_Return)
    ds = s.dataset
    row = ds.items.index("toilet")
    assert len(ds) > 1000 and ds.labels[row] == svc.ADDED
    # groups kept (new rows in none), clusters extended (not recomputed), old layout untouched
    assert ex.groups.names() == ["pronouns"] and list(ex.groups.get("pronouns").indices) == list(members)
    assert ex.groups.get("pronouns").mask.shape == (len(ds),)
    c1 = ex.clustering
    assert c1.n_points == len(ds) and np.array_equal(c1.labels[:1000], c0.labels)
    assert c1.params["added"] == len(ds) - 1000 and "clusters" not in runs
    np.testing.assert_array_equal(s.coords[:1000], coords0)
    # the new word sits among its neighbours and the view is zoomed to it
    assert _in_view(window, s.coords[[row]])
    zoomed = _view(window)
    full = np.ptp(coords0, axis=0)
    assert zoomed[0, 1] - zoomed[0, 0] < full[0] / 3 and not window.map.fitted

    # Something that used to zoom back out: re-colouring by cluster, and a re-clustering landing.
    ex.set_colour_by("cluster")
    np.testing.assert_allclose(_view(window), zoomed)
    with qtbot.waitSignal(window.state.explore.clusters_changed, timeout=60_000):
        window.feature(ClusterControl).run()
    np.testing.assert_allclose(_view(window), zoomed)


def test_a_layout_that_lands_after_words_were_added_is_extended_and_reframed(glove_map, qtbot):
    window, panel = glove_map
    s = window.session
    before = s.dataset
    with qtbot.waitSignal(panel.resultsShown, timeout=20_000):
        panel.search("toilet")
    assert s.extends(before) and not s.extends(s.dataset)
    row = s.dataset.items.index("toilet")
    # a slower layout of the 1,000 words (e.g. UMAP) finishes now: mirrored here, so it differs
    late = s.coords[:1000] * np.array([-1.0, 1.0])
    s.set_layout(before, late, "umap", final=True)
    assert s.projection == "umap" and len(s.coords) == len(s.dataset)
    np.testing.assert_array_equal(s.coords[:1000], late)
    assert _in_view(window, s.coords[[row]])  # the searched word is framed again on the new layout
    assert window.state.explore.groups.n == len(s.dataset)


def test_analogy_zooms_to_its_words_so_the_arrows_read(glove_map, qtbot):
    window, panel = glove_map
    s = window.session
    with qtbot.waitSignal(panel.resultsShown, timeout=20_000):
        panel.run_analogy("king - man + woman")
    rows = [s.dataset.items.index(w) for w in ("king", "man", "woman", "queen")]
    xy = s.coords[rows]
    assert _in_view(window, xy)
    vb = window.map.viewbox
    px = np.array([[vb.mapViewToScene(QPointF(*p)).x(), vb.mapViewToScene(QPointF(*p)).y()] for p in xy])
    lengths = [np.hypot(*(px[1] - px[0])), np.hypot(*(px[3] - px[2]))]  # man→king, woman→queen
    assert min(lengths) > 40, lengths  # was ~3 px under the cluster boxes
    assert panel.arrows.arrows == [(rows[1], rows[0]), (rows[2], rows[3])]
    # the clustering that lands later does not zoom the view back out
    zoomed = _view(window)
    with qtbot.waitSignal(window.state.explore.clusters_changed, timeout=60_000):
        window.feature(ClusterControl).run()
    np.testing.assert_allclose(_view(window), zoomed)


def test_word_maps_offer_topics_and_images_get_their_clustering_back(glove_map, qtbot):
    window, _panel = glove_map
    cp = window.feature(ClustersPanel)
    assert cp.method.currentData() == "kmeans" and cp.k.value() == svc.topic_count(1000)
    assert not cp.show_names.isChecked() and window.feature(ClusterNames).texts() == []
    assert window.state.explore.colour_by == "label"  # frequency bands stay the colouring
    from latentview.core.dataset import Dataset

    rng = np.random.default_rng(0)
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(Dataset("images", [f"/x/{i}.png" for i in range(50)], ["a"] * 50,
                                    rng.normal(size=(50, 8)).astype(np.float32)))  # fmt: skip
    assert cp.method.currentData() == "hdbscan" and cp.k.value() == 10 and cp.show_names.isChecked()
