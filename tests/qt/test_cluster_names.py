"""Cluster names on the map stay inside the view, apart, and next to their clusters at any size."""

import numpy as np
from PySide6.QtCore import QPointF

from latentview.backends.projectors import ProjectionParams
from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.qt.explore.cluster_names import ClusterNames


def _gap(rect, p) -> float:
    """Distance from point p to the rectangle (0 inside)."""
    dx = max(rect.left() - p.x(), 0, p.x() - rect.right())
    dy = max(rect.top() - p.y(), 0, p.y() - rect.bottom())
    return float(np.hypot(dx, dy))


def test_names_follow_their_clusters_through_resizes(window, qtbot):
    rng = np.random.default_rng(0)
    k = 9
    centres = rng.normal(0, 10, (k, 16))
    lab = np.repeat(np.arange(k), 20)
    emb = (centres[lab] + rng.normal(0, 0.3, (len(lab), 16))).astype(np.float32)
    ds = Dataset("gan", [str(i) for i in range(len(lab))], [f"l{i}" for i in lab], emb)
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    names = [f"a rather long cluster name number {i}" for i in range(k)]
    window.state.explore.set_clustering(Clustering(lab, names, confidence=[0.5] * k))
    cn, vb = window.feature(ClusterNames), window.map.viewbox
    for w, h in ((1280, 800), (1920, 1080), (1024, 640), (1280, 800)):
        window.resize(w, h)
        qtbot.wait(60)  # resize → re-fit (a 30 ms timer) → names laid out again (40 ms)
        qtbot.waitUntil(lambda: not (window.map._refit.isActive() or cn._timer.isActive()), timeout=5000)
        shown = [it for it in cn.items if it.isVisible()]
        assert len(shown) >= 4, (w, h)
        view = vb.sceneBoundingRect()
        for it, (x, y) in zip(cn.items, cn.anchors):
            if not it.isVisible():
                continue
            box = it.sceneBoundingRect()
            assert view.contains(box), (w, h, it.toPlainText())
            anchor = vb.mapViewToScene(QPointF(float(x), float(y)))
            assert _gap(box, anchor) < 60, (w, h, it.toPlainText(), _gap(box, anchor))
            assert it.toPlainText().endswith("(50%)") and "…" in it.toPlainText()
        boxes = [it.sceneBoundingRect() for it in shown]
        bad = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.intersects(b)]
        assert not bad, (w, h, bad)
