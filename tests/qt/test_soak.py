"""PySide6 6.12 on Python 3.11 aborted after a few hundred repaints; this would catch a regression."""

import numpy as np
from PySide6.QtWidgets import QApplication

from latentview.qt.common.palette import categorical


def test_thousands_of_repaints_of_a_5k_point_map(qtbot, monkeypatch):
    from latentview.qt.map.point_cloud import PointCloudItem
    from latentview.qt.map.scatter import MapView

    painted = []
    original = PointCloudItem.paint

    def counting_paint(self, *args):
        painted.append(self.last_level)
        return original(self, *args)

    monkeypatch.setattr(PointCloudItem, "paint", counting_paint)

    view = MapView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(5_000, 2))
    codes = rng.integers(0, 8, 5_000)
    view.set_points(xy, codes, categorical(8), [str(i) for i in range(8)])
    view.set_selection(codes == 3)
    QApplication.processEvents()  # let the view box apply its new range before direct repaints
    for i in range(3_000):
        if i % 100 == 0:
            view.viewbox.scaleBy((0.98, 0.98))
        view.viewport().repaint()
    assert len(painted) >= 6_000  # points + selection layers, every repaint
    assert view.points.last_level == "dots"
    assert len(view.selection) == int((codes == 3).sum())
