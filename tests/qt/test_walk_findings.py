"""What the new-user walk (scripts/walk.py) showed that we would not ship, each driven like a user on the
real window: the map's share of a small window, the status bar after another map opens, the left tab
for the map's kind, points under the legend, and far-off outliers squeezing the fit."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from latentview.qt.explore.cluster_names import ClusterNames
from latentview.qt.explore.groups_panel import GroupsPanel


def _px(window, xy) -> QPoint:
    """Data coordinates → pixel on the map's viewport."""
    return window.map.mapFromScene(window.map.viewbox.mapViewToScene(QPointF(float(xy[0]), float(xy[1]))))


def _click_point(window, qtbot, i: int) -> None:
    """A real click on point `i`; returns when the Inspector has its picture."""
    with qtbot.waitSignal(window.runner.finished, timeout=30_000,
                          check_params_cb=lambda k, _o: k == "focus-image"):  # fmt: skip
        QTest.mouseClick(
            window.map.viewport(), Qt.LeftButton, Qt.NoModifier, _px(window, window.session.coords[i])
        )
    qtbot.waitUntil(lambda: window.inspector.image.pixmap() is not None
                    and not window.inspector.image.pixmap().isNull(), timeout=10_000)  # fmt: skip


def _resize(window, qtbot, w: int, h: int) -> None:
    window.resize(w, h)
    qtbot.waitUntil(lambda: window.width() == w and window.height() == h, timeout=5000)


def test_a_1024_px_window_with_a_picture_leaves_the_map_the_widest_part(tiny_map, qtbot):
    win = tiny_map
    win.docks["Groups"].raise_()  # as in the walk: a left tab other than the first one is raised
    for order in ("picture first", "narrow first"):
        _resize(
            win, qtbot, 1280 if order == "picture first" else 1024, 800 if order == "picture first" else 640
        )
        _click_point(win, qtbot, 3 if order == "picture first" else 40)
        _resize(win, qtbot, 1024, 640)
        # the layout settles within a few event-loop turns: the map takes its share, or the test fails here
        qtbot.waitUntil(lambda: win.map.width() >= 0.55 * 1024, timeout=5000)
        dock = win.docks["Inspector"]
        image = win.inspector.image
        assert dock.width() >= 200, order  # still usable: a picture, its caption and the neighbours
        assert image.pixmap().width() <= image.width() and image.pixmap().width() >= 120, order
        assert win.map.width() > max(dock.width(), win.docks["Groups"].width()), order
        # the Groups panel's buttons fit the narrowed dock: no sideways scrolling, nothing cut off
        scroll = win.docks["Groups"].widget()
        assert win.feature(GroupsPanel).minimumSizeHint().width() <= scroll.viewport().width(), order


def _another_image_map(window, qtbot, photo_folder, model: str) -> None:
    """The same photos opened again as a new map (a new dataset), as a folder drop ends."""
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    ds = drive(ingest_folder(str(photo_folder), IngestOptions(model=model)))
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))


def test_the_trust_summary_leaves_the_status_bar_with_its_map(tiny_map, qtbot, photo_folder, tiny_embedder):
    win = tiny_map
    bar = win.statusBar()
    QTest.keyClick(win.map, Qt.Key_T, Qt.ControlModifier)  # View ▸ Trust Overlay
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Trustworthiness"), timeout=60_000)
    _another_image_map(win, qtbot, photo_folder, tiny_embedder)
    assert not bar.currentMessage().startswith("Trustworthiness"), bar.currentMessage()
    # the overlay on the new map says the new map's figure
    QTest.keyClick(win.map, Qt.Key_T, Qt.ControlModifier)
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Trustworthiness"), timeout=60_000)
    # an error in the status bar is not the trust summary: a new map leaves it for the user to read
    bar.showMessage("Could not read x.jpg")
    _another_image_map(win, qtbot, photo_folder, tiny_embedder)
    assert bar.currentMessage() == "Could not read x.jpg"


def _raised(window, title: str) -> bool:
    return not window.docks[title].visibleRegion().isEmpty()


def test_an_image_map_opened_from_the_words_tab_shows_map_settings(
    tiny_map, qtbot, photo_folder, tiny_embedder
):
    win = tiny_map
    win.docks["Words"].raise_()  # the user was on the Words tab (a words map before)
    qtbot.waitUntil(lambda: _raised(win, "Words"), timeout=5000)
    _another_image_map(win, qtbot, photo_folder, tiny_embedder)
    assert _raised(win, "Map settings") and not _raised(win, "Words")
    # a tab that fits any map stays as the user left it
    win.docks["Clusters"].raise_()
    qtbot.waitUntil(lambda: _raised(win, "Clusters"), timeout=5000)
    _another_image_map(win, qtbot, photo_folder, tiny_embedder)
    assert _raised(win, "Clusters")


def _points_under_legend(view) -> int:
    """Points whose dot (its 7 px disc) touches the legend's box, both in the view box's pixels."""
    from PySide6.QtCore import QRectF

    legend = view.legend.mapRectToParent(view.legend.boundingRect()).adjusted(-4, -4, 4, 4)
    xy = view.points.xy
    px = [view.viewbox.mapFromView(QPointF(float(x), float(y))) for x, y in xy]
    return sum(legend.intersects(QRectF(p.x() - 3.5, p.y() - 3.5, 7, 7)) for p in px)


@pytest.mark.parametrize("corner", ["top-right", "all corners"])
def test_the_legend_covers_no_point(qtbot, corner):
    """Fitted (Reset Zoom, or the refit after a resize) the range leaves the legend's corner free; in a
    view the user or a session set, the legend moves to the corner where it hides the fewest points."""
    from PySide6.QtGui import QColor

    from latentview.qt.map.scatter import MapView

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(400, 2))
    xy[:40] = rng.normal((3.0, 3.0), 0.15, size=(40, 2))  # a cluster in the top-right corner
    if corner == "all corners":  # a cluster in every corner: the legend must push the range somewhere
        for i, c in enumerate([(-3, 3), (-3, -3), (3, -3)]):
            xy[40 * (i + 1) : 40 * (i + 2)] = rng.normal(c, 0.15, size=(40, 2))
    names = ["cat", "charts", "coffee", "digits", "documents", "faces", "microscopy", "places", "shapes"]
    codes = np.arange(len(xy)) % len(names)
    view = MapView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    qtbot.waitExposed(view)
    view.set_points(xy, codes, [QColor(c * 25, 80, 120) for c in range(len(names))], names)
    span = np.ptp(xy[:, 0])
    for width in (900, 620, 430):
        with qtbot.waitSignal(view.viewbox.sigRangeChanged, timeout=5000):  # the refit after a resize
            view.resize(width, 640)
        qtbot.waitUntil(lambda: not view._refit.isActive(), timeout=5000)
        assert view.legend.isVisible() and view.fitted, width
        assert _points_under_legend(view) == 0, width
        (x0, x1), (y0, y1) = view.viewbox.viewRange()
        assert x0 <= xy[:, 0].min() and xy[:, 0].max() <= x1 and y0 <= xy[:, 1].min() <= xy[:, 1].max() <= y1
        if corner == "top-right":  # a free corner: the points keep the whole width (autoRange's 10% pads)
            assert x1 - x0 <= 1.25 * span, (width, (x1 - x0) / span)
    if corner == "top-right":  # a saved view (a session) shown on a narrower map: the legend moves off
        (x0, x1), (y0, y1) = view.viewbox.viewRange()
        view.zoom_to((x0, x0 + 0.8 * (x1 - x0)), (y0, y1))
        qtbot.waitUntil(lambda: _points_under_legend(view) == 0, timeout=5000)


def test_names_are_laid_out_again_when_the_legend_moves(tiny_map, qtbot):
    """The walk's narrow step: the legend left for a freer corner after the names were placed, and one
    name sat half under it."""
    win = tiny_map
    names = win.feature(ClusterNames)
    qtbot.waitUntil(lambda: not names._timer.isActive(), timeout=5000)
    other = next(c for c in ("bottom-left", "top-left") if c != win.map.legend_corner)
    with qtbot.waitSignal(names._timer.timeout, timeout=5000):
        win.map._set_legend_corner(other)
    legend = win.map.legend.sceneBoundingRect()
    assert not any(it.isVisible() and it.sceneBoundingRect().intersects(legend) for it in names.items)
