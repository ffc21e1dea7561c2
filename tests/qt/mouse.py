"""A real mouse drag on a map view, for the Qt tests: one way to draw a lasso (or pan) everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def view_pixel(view, x: float, y: float) -> QPoint:
    """Data coordinates on `view` (a ScatterView) → the pixel on its viewport."""
    return view.mapFromScene(view.viewbox.mapViewToScene(QPointF(float(x), float(y))))


@contextmanager
def _every_move_delivered():
    """pyqtgraph drops mouse moves closer than 1000/mouseRateLimit ms apart (wall clock); a test sends
    them back to back, so the limit is lifted for the drag (the window fixture does the same)."""
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", -1)
    try:
        yield
    finally:
        pg.setConfigOption("mouseRateLimit", old)


def drag_lasso(view, points: Iterable, button=Qt.LeftButton, modifier=Qt.NoModifier) -> None:
    """Press at the first point, move through the rest, release at the last — on `view`'s viewport,
    through Qt's own event delivery (QGraphicsView → scene → pyqtgraph's drag events → the lasso).

    `points` are data coordinates ((x, y) pairs or an (N, 2) array, mapped through the view's
    viewbox) or viewport pixels (QPoint). QTest hands each event to the widget synchronously, so Qt's
    move compression (which merges queued window-system moves) never applies and nothing waits; the
    lasso has its polygon when this returns. Between moves the event loop turns once
    (processEvents, no sleep), as it does between a real mouse's moves: pending repaints and timers
    run there, so a stall meter sees each move's cost, not thirty moves' cost as one freeze.
    """
    vp = view.viewport()
    pts = [p if isinstance(p, QPoint) else view_pixel(view, *p) for p in points]
    with _every_move_delivered():
        QTest.mousePress(vp, button, modifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(vp, p)
            QCoreApplication.processEvents()
        QTest.mouseRelease(vp, button, modifier, pts[-1])
