"""Explore a map through the window (tiny encoder, PCA): clusters, groups, trust, thumbnails, exports,
sessions, and a large map clustered without freezing the window."""

import html
import os
import time

import numpy as np
import pyarrow.parquet as pq
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latentview.backends.projectors import ProjectionParams
from latentview.core.dataset import Dataset
from latentview.core.groups import GroupOp
from latentview.qt.explore.actions import ExploreActions
from latentview.qt.explore.cluster_names import ClusterNames
from latentview.qt.explore.clusters_panel import ClusterControl, ClustersPanel
from latentview.qt.explore.groups_panel import GroupsPanel
from latentview.qt.map.thumbnails import HoverPreview, ThumbnailLayer
from latentview.qt.map.trust_overlay import TrustOverlay


def test_map_is_clustered_named_and_coloured_in_the_background(tiny_map, qtbot):
    w = tiny_map
    c = w.state.explore.clustering
    assert c.n_points == 88 and len(c) >= 3
    # the user's folder labels stay the colouring and legend; names are the model's framed guesses
    assert w.state.explore.colour_by == "label" and len(w.map.legend.items) == 11
    assert all(it.border.color().getRgb()[:3] == (110, 110, 110) for it in w.feature(ClusterNames).items)
    w.feature(ClustersPanel).colour_by.setCurrentIndex(w.feature(ClustersPanel).colour_by.findData("cluster"))
    assert w.map.legend.isVisible(), "colour by cluster shows its legend"
    assert all(it.border.color().getRgb()[:3] != (110, 110, 110) for it in w.feature(ClusterNames).items)
    legend = [label.text for _, label in w.map.legend.items]
    assert legend[0] == "noise" and legend[1].startswith(c.names[0])
    assert w.feature(ClustersPanel).list.count() == len(c) + (1 if c.n_noise else 0)
    # zoomed out: the coarsest names of the hierarchy; zoomed far in: the clusters' own
    coarse = c.levels[0].names if c.levels else c.names
    assert w.feature(ClusterNames).texts() and set(w.feature(ClusterNames).texts()) <= set(coarse)
    assert [m.text for m in w.feature(ClusterNames).entries()][:30] == w.feature(ClusterNames).texts()
    # clicking a name in the list selects the cluster
    item = w.feature(ClustersPanel).list.item(1)
    w.feature(ClustersPanel).list.itemClicked.emit(item)
    assert np.array_equal(w.session.selected_indices, c.members(1))
    # ... and so does clicking a name on the map (a real mouse click on the label)
    w.session.clear_selection()
    label = w.feature(ClusterNames).items[0]
    centre = w.map.mapFromScene(label.sceneBoundingRect().center())
    QTest.mouseClick(w.map.viewport(), Qt.LeftButton, Qt.NoModifier, centre)
    assert np.array_equal(w.session.selected_indices, np.flatnonzero(np.isin(c.labels, label.cluster)))
    # k-means with k from the panel
    w.feature(ClustersPanel).method.setCurrentIndex(w.feature(ClustersPanel).method.findData("kmeans"))
    w.feature(ClustersPanel).k.setValue(6)
    with qtbot.waitSignal(w.state.explore.clusters_changed, timeout=30_000):
        w.feature(ClustersPanel).run_button.click()
    km = w.state.explore.clustering
    assert len(km) == 6 and km.n_noise == 0
    assert len(w.feature(ClusterNames).texts()) == len(km.levels[0].names) == 3
    xy = w.session.coords  # zoom in on one cluster: the names deepen to the clusters' own
    m = xy[km.members(0)]
    w.map.viewbox.setRange(xRange=(m[:, 0].min(), m[:, 0].min() + np.ptp(xy[:, 0]) / 3),
                           yRange=(m[:, 1].min(), m[:, 1].min() + np.ptp(xy[:, 1]) / 3), padding=0)  # fmt: skip
    assert w.feature(ClusterNames).level == len(km.levels) and set(w.feature(ClusterNames).texts()) <= set(
        km.names
    )
    # back to labels: the legend lists the 11 sub-folders again
    w.feature(ClustersPanel).colour_by.setCurrentIndex(w.feature(ClustersPanel).colour_by.findData("label"))
    assert len(w.map.legend.items) == 11


def test_groups_combine_by_set_algebra_and_colour_the_map(tiny_map):
    w = tiny_map
    panel, s = w.feature(GroupsPanel), w.session
    s.select_indices(np.arange(0, 30))
    assert panel.keep.isEnabled()
    panel.keep.click()
    s.select_indices(np.arange(20, 50))
    panel.keep_selection("late")
    assert [panel.list.item(i).text() for i in range(2)] == ["Group 1  —  30", "late  —  30"]
    for i in range(2):
        panel.list.item(i).setSelected(True)
    assert panel.union.isEnabled()
    panel.union.click()
    panel.combine(GroupOp.INTERSECTION, ["Group 1", "late"])
    panel.combine(GroupOp.DIFFERENCE, ["Group 1", "late"])
    counts = {g.name: g.count for g in w.state.explore.groups}
    assert counts == {
        "Group 1": 30,
        "late": 30,
        "Group 1 ∪ late": 50,
        "Group 1 ∩ late": 10,
        "Group 1 − late": 20,
    }
    w.state.explore.set_colour_by("group")
    legend = [label.text for _, label in w.map.legend.items]
    assert legend[:3] == ["(no group)", "Group 1", "late"]
    panel.list.itemClicked.emit(panel.list.item(3))  # the intersection
    assert s.selected_indices.tolist() == list(range(20, 30))
    # a group's colour can be changed, and the map's legend follows
    panel.set_colour("late", "#123456")
    colours = {label.text: sample.item.opts["brush"].color().name() for sample, label in w.map.legend.items}
    assert colours["late"] == "#123456"
    # ... and the map too, also where groups overlap (the recoloured group is drawn on top)
    codes, palette = w.map.colour_codes
    assert palette[int(codes[25])].name() == "#123456" and palette[int(codes[45])].name() == "#123456"
    assert "several groups" in colours


def test_trust_overlay_matches_independent_computation(tiny_map, qtbot):
    w = tiny_map
    with qtbot.waitSignal(w.state.explore.trust_changed, timeout=60_000):
        w.feature(TrustOverlay).action.trigger()
    t = w.state.explore.trust
    assert w.state.explore.colour_by == "trust" and t is not None and t.exact
    k = t.k
    emb = w.session.dataset.embeddings.astype(np.float64)
    u = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    xy = w.session.coords
    dh = ((u[:, None] - u[None]) ** 2).sum(-1)
    dl = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(dh, np.inf)
    np.fill_diagonal(dl, np.inf)
    hi, lo = np.argsort(dh, 1)[:, :k], np.argsort(dl, 1)[:, :k]
    assert np.allclose(t.recall, [len(set(a) & set(b)) / k for a, b in zip(hi, lo)])
    assert abs(t.trustworthiness - sk_trustworthiness(u, xy, n_neighbors=k)) < 1e-6
    assert "Trustworthiness" in w.feature(ClustersPanel).trust.text()
    assert html.unescape(w.map.legend.items[0][1].text) == "recall < 0.2"  # not eaten as HTML
    # clicking a point draws lines to its true neighbours
    w.session.set_focus(5)
    xs, ys = w.feature(TrustOverlay).lines.getData()
    assert len(xs) == 2 * k
    assert np.allclose(np.c_[xs[1::2], ys[1::2]], xy[t.high_knn[5]])
    w.feature(TrustOverlay).action.trigger()  # off
    assert w.state.explore.colour_by == "label" and len(w.feature(TrustOverlay).lines.getData()[0] or []) == 0


def test_zoom_in_shows_thumbnails_and_hover_previews(tiny_map, qtbot):
    from latentview.qt.map.thumbnails import piled_fraction
    from latentview.services.thumbnails import cached_thumbnail, thumb_dir

    w = tiny_map
    layer = w.feature(ThumbnailLayer)
    w.map.viewbox.autoRange(padding=0.05)
    qtbot.waitUntil(lambda: w.map.viewport().update() or layer.last_drawn == 0, timeout=2000)
    assert len(layer.visible_indices()) == 88 and layer.last_drawn == 0  # zoomed out: dots
    xy, cl = w.session.coords, w.state.explore.clustering
    tight = min(range(len(cl)), key=lambda i: np.ptp(xy[cl.members(i)], 0).max())  # the tightest cluster
    c = cl.members(tight)
    x0, y0 = xy[c].min(0)
    x1, y1 = xy[c].max(0)
    w.map.viewbox.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.1)
    vis = layer.visible_indices()
    assert 0 < len(vis) <= 60
    # images replace dots only once they no longer pile up on screen: zoom on until then
    for _ in range(30):
        if layer.shows_images(len(vis), vis):
            break
        assert layer.last_drawn == 0  # still piled: dots
        w.map.viewbox.scaleBy((0.7, 0.7))
        vis = layer.visible_indices()
    assert piled_fraction(layer._screen_xy(vis)) <= 0.2 and len(vis) >= 1

    def drawn():
        w.map.viewport().update()
        return layer.last_drawn == len(vis)

    qtbot.waitUntil(drawn, timeout=30_000)
    assert set(layer.requested) <= set(vis.tolist())
    assert all(cached_thumbnail(w.session.dataset.items[i], 128) for i in vis)
    assert any(thumb_dir().rglob("*.jpg"))
    # hover: text at once, the image once it is cached
    i = int(vis[0])
    w.feature(HoverPreview).hover(i)
    assert (
        "<img" in w.feature(HoverPreview).html and w.session.dataset.labels[i] in w.feature(HoverPreview).html
    )
    assert "cluster:" in w.feature(HoverPreview).html
    w.feature(HoverPreview).hover(None)
    assert w.feature(HoverPreview).html == ""


def test_exports_from_the_window(tiny_map, qtbot, tmp_path):
    from latentview.qt.explore.actions import export_map_image, export_points, export_sets_to_folders

    w = tiny_map
    c = w.state.explore.clustering
    w.session.select_indices(c.members(0))
    rows = []
    export_points(w, str(tmp_path / "sel.parquet"), on_done=rows.append)
    qtbot.waitUntil(lambda: bool(rows), timeout=30_000)
    t = pq.read_table(tmp_path / "sel.parquet").to_pydict()
    assert rows[0] == len(c.members(0)) == len(t["path"])
    assert set(t["cluster"]) == {0} and set(t["cluster_name"]) == {c.names[0]}
    assert np.allclose(t["x"], w.session.coords[c.members(0), 0])
    export_points(w, str(tmp_path / "tb"), on_done=rows.append)
    qtbot.waitUntil(lambda: len(rows) == 2, timeout=30_000)
    assert (tmp_path / "tb" / "vectors.tsv").exists()
    png = export_map_image(w, str(tmp_path / "map.png"))
    svg = export_map_image(w, str(tmp_path / "map.svg"))
    assert os.path.getsize(png) > 5000 and "<svg" in open(svg, encoding="utf-8").read(2000)
    results = []
    export_sets_to_folders(w, str(tmp_path / "folders"), "cluster", "copy", on_done=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert sum(results[0].written.values()) == int((c.labels >= 0).sum()) and not results[0].skipped
    assert sorted(os.listdir(tmp_path / "folders")) == sorted(results[0].written)


def test_session_save_and_reopen_restores_everything(tiny_map, qtbot, tmp_path):
    from latentview.qt.explore.actions import open_session, save_session
    from latentview.services.session_file import recent_sessions

    w = tiny_map
    w.session.select_indices([1, 2, 3])
    w.feature(GroupsPanel).keep_selection("three")
    w.map.viewbox.setRange(xRange=(-1, 1), yRange=(-0.5, 0.5), padding=0)
    coords = w.session.coords.copy()
    labels = w.state.explore.clustering.labels.copy()
    path = str(tmp_path / "s.json")
    saved = []
    save_session(w, path, on_done=saved.append)
    w.session.select_indices([4])  # the file holds the state of the moment it was asked for
    w.feature(GroupsPanel).keep_selection("later")
    qtbot.waitUntil(lambda: bool(saved), timeout=30_000)
    w.session.set_dataset(Dataset("words", ["a", "b"], ["x", "x"], np.eye(2, dtype=np.float32)))
    assert w.state.explore.clustering is None and len(w.state.explore.groups) == 0
    with qtbot.waitSignal(w.mapReady, timeout=60_000):
        open_session(w, path)
    assert np.allclose(w.session.coords, coords)
    assert np.array_equal(w.state.explore.clustering.labels, labels)
    assert w.state.explore.groups.get("three").indices.tolist() == [1, 2, 3]
    assert w.state.explore.groups.names() == ["three"]
    (x0, _x1), (_y0, y1) = w.map.viewbox.viewRange()
    assert abs(x0 + 1) < 1e-6 and abs(y1 - 0.5) < 1e-6
    assert recent_sessions()[0] == os.path.abspath(path)
    w.feature(ExploreActions).fill_recent()
    assert w.feature(ExploreActions).recent.actions()[0].text() == "s.json"


def test_clustering_a_large_map_keeps_the_window_responsive(window, qtbot):
    rng = np.random.default_rng(0)
    n = 30_000
    centres = rng.normal(size=(12, 64)).astype(np.float32) * 3
    lab = rng.integers(0, 12, n)
    emb = centres[lab] + rng.normal(size=(n, 64)).astype(np.float32)
    ds = Dataset("gan", [f"sample {i}" for i in range(n)], ["sample"] * n, emb)
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    steps = []
    window.runner.progressed.connect(lambda key, p: key == "clusters" and steps.append(p.message))
    window.feature(ClusterControl).run()
    qtbot.waitUntil(lambda: window.state.explore.clustering is not None, timeout=120_000)
    timer.stop()
    gaps = np.diff(ticks)
    assert len(window.state.explore.clustering) == 12
    assert any("sample" in m for m in steps)  # the sampled fit reported its steps
    assert gaps.max() < 1.0, f"the window froze for {gaps.max():.2f} s"
    # cancel: the newest request wins and a cancelled one changes nothing
    window.state.explore.set_clustering(None)
    with qtbot.waitSignal(window.runner.finished, timeout=5000) as blocker:
        window.feature(ClusterControl).run()
        window.runner.cancel("clusters")
    assert blocker.args == ["clusters", "cancelled"]
    assert window.runner.shutdown(60_000) and window.state.explore.clustering is None
