"""A million points stay usable: they load, the window responds, the lasso selects exactly."""

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from latentview.backends.projectors import ProjectionParams
from latentview.core.dataset import Dataset
from latentview.core.geometry import _edge_test


def test_a_million_points_load_and_lasso_selects_the_right_count(window, qtbot):
    rng = np.random.default_rng(0)
    n = 1_000_000
    centres = rng.normal(0, 6, (10, 8)).astype(np.float32)
    codes = rng.integers(0, 10, n)
    emb = centres[codes] + rng.normal(0, 1, (n, 8)).astype(np.float32)
    ds = Dataset("points", [str(i) for i in range(n)], [f"c{c}" for c in codes], emb)
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    assert len(window.map.points) == n
    qtbot.waitUntil(lambda: window.map.points.last_level == "raster", timeout=10_000)
    # Lasso with the real mouse around the middle of the view.
    vb, vp = window.map.viewbox, window.map.viewport()
    (x0, x1), (y0, y1) = vb.viewRange()
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 5, (y1 - y0) / 5
    t = np.linspace(0, 2 * np.pi, 40)
    pts = [
        window.map.mapFromScene(vb.mapViewToScene(QPointF(cx + rx * np.cos(a), cy + ry * np.sin(a))))
        for a in t
    ]
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, pts[-1])
    qtbot.waitUntil(lambda: window.session.selection is not None, timeout=10_000)
    sel = window.session.selection
    drawn = np.array(
        [
            (vb.mapSceneToView(window.map.mapToScene(p)).x(), vb.mapSceneToView(window.map.mapToScene(p)).y())
            for p in pts
        ]
    )
    xy = window.session.coords
    sample = rng.choice(n, 100_000, replace=False)
    exact = _edge_test(xy[sample, 0], xy[sample, 1], drawn)
    assert sel.sum() > 10_000
    assert (sel[sample] != exact).sum() <= 5  # only points on the drawn edge's pixel rounding
    assert abs(sel.sum() / n - exact.mean()) < 0.01
    qtbot.waitUntil(lambda: window.map.pick_ready, timeout=60_000)  # its grid is built off the GUI thread
    assert window.map.pick(*xy[123]) is not None  # picking answers at this size too
