"""A big map's heavy array work runs on the task runner; the GUI thread only swaps the results in:
the draw order and row-ordered colours of the point cloud, and the cluster names' positions."""

import numpy as np
from PySide6.QtGui import QColor

from latentview.backends.projectors import ProjectionParams
from latentview.core.clusters import Clustering, zoom_names
from latentview.core.dataset import Dataset
from latentview.qt.explore.cluster_names import ClusterNames
from latentview.qt.map import point_cloud
from latentview.qt.map.scatter import MapView
from latentview.qt.shell.task_runner import TaskRunner


def test_the_draw_arrays_come_from_the_runner_and_draw_the_same_map(qtbot):
    runner = TaskRunner()
    view = MapView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.use_runner(runner)
    view.show()
    qtbot.waitExposed(view)
    gx, gy = np.meshgrid(np.arange(600), np.arange(450))  # one point per pixel: no overdraw to order
    xy = np.c_[gx.ravel(), gy.ravel()].astype(np.float64)
    codes = (np.arange(len(xy)) * 7 // len(xy)).astype(np.int32)
    colours = [
        QColor(c) for c in ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf")
    ]
    assert len(xy) > point_cloud.OFFLOAD_ABOVE
    item = view.points
    view.set_points(xy, codes, colours, [str(i) for i in range(7)])
    assert item._groups_pending and item._rows is None  # nothing sorted on the GUI thread
    qtbot.waitUntil(lambda: item._rows is not None, timeout=60_000)
    order, groups = item._groups
    ref_order, ref_groups = point_cloud.color_groups(codes)
    assert groups == ref_groups and np.array_equal(order, ref_order)
    _x, y, rgba = item._rows
    assert np.all(np.diff(y) > -2 * np.ptp(y) / point_cloud.ROW_BANDS)  # in row order (bands of y)
    assert np.array_equal(rgba, item._lut[codes[item._row_order]])
    prepared = view.grab().toImage()
    assert item.last_level == "raster"
    assert prepared.pixelColor(prepared.width() // 2, prepared.height() // 2) != QColor("white")
    item._rows, item._raster_key = None, None  # the same view drawn from the unprepared arrays
    assert view.grab().toImage() == prepared
    # a recolour reuses the layout's row order and prepares its colours again
    order_before = item._row_order
    view.set_colors(codes[::-1].copy(), colours, [str(i) for i in range(7)])
    qtbot.waitUntil(lambda: item._rows is not None, timeout=60_000)
    assert item._row_order is order_before
    # zoomed in to dots, the prepared groups are drawn
    view.viewbox.setRange(xRange=(0, 40), yRange=(0, 30), padding=0)
    view.grab()
    assert item.last_level == "dots"
    assert runner.shutdown(30_000)


def test_cluster_names_of_a_big_map_are_placed_on_the_runner(window, qtbot):
    n = 260_000
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, (6, 8))
    lab = rng.integers(0, 6, n)
    emb = (centres[lab] + rng.normal(size=(n, 8))).astype(np.float32)
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.show_dataset(
            Dataset("gan", [f"s{i}" for i in range(n)], ["s"] * n, emb), ProjectionParams("pca")
        )
    c = Clustering(lab.astype(np.int32), [f"group {i}" for i in range(6)])
    window.state.explore.set_clustering(c)
    assert window.feature(ClusterNames).texts() == []  # not placed on the GUI thread
    qtbot.waitUntil(lambda: len(window.feature(ClusterNames).texts()) == 6, timeout=60_000)
    expected = zoom_names(c, window.session.coords, window.feature(ClusterNames).zoom())
    assert [(m.text, m.x, m.y) for m in window.feature(ClusterNames).entries()] == [
        (m.text, m.x, m.y) for m in expected
    ]
