"""The map: a pyqtgraph plot of 2-D points with freehand lasso, click picking and highlight layers.

Mouse: left-drag lassos (Shift adds, Ctrl/Alt subtracts), left-click picks, right/middle-drag pans,
wheel zooms, Esc clears. The view only emits polygons and clicks; the core decides what they select.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from latentview.core.geometry import PointIndex
from latentview.core.selection import SelectionMode
from latentview.qt.map.point_cloud import PointCloudItem

PICK_RADIUS_PX = 10
LEGEND_SHARE = 0.42  # the legend hides when wider than this share of the map
# Where the legend may sit (pyqtgraph offsets: negative x from the right, negative y from the bottom);
# the first is the usual place, the others are taken when they need less room.
LEGEND_CORNERS = {
    "top-right": (-10, 10),
    "bottom-right": (-10, -10),
    "top-left": (10, 10),
    "bottom-left": (10, -10),
}
LEGEND_SAMPLE = 50_000  # points counted when the legend looks for a freer corner (an even sample)
LEGEND_GAP_PX = 8  # between the legend and the nearest dot's centre (a dot is 7 px wide)


def mode_for(modifiers) -> SelectionMode:
    if modifiers & (Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier):
        return SelectionMode.SUBTRACT
    if modifiers & Qt.ShiftModifier:
        return SelectionMode.ADD
    return SelectionMode.REPLACE


class MapViewBox(pg.ViewBox):
    lassoFinished = Signal(object, object)  # (M, 2) polygon in data coords, SelectionMode
    clicked = Signal(float, float, object)  # data x, y, modifiers

    def __init__(self):
        super().__init__(enableMenu=False)
        self.setAspectLocked(False)
        self._lasso: list[QPointF] = []
        self._lasso_mode = SelectionMode.REPLACE
        self._path_item = QGraphicsPathItem()
        pen = QPen(QColor(30, 30, 30), 1.5, Qt.DashLine)
        pen.setCosmetic(True)
        self._path_item.setPen(pen)
        self._path_item.setBrush(QColor(80, 120, 200, 40))
        self._path_item.setZValue(1e6)
        self.addItem(self._path_item, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() == Qt.LeftButton:
            ev.accept()
            pos = self.mapSceneToView(ev.scenePos())
            if ev.isStart():
                self._lasso = [self.mapSceneToView(ev.buttonDownScenePos()), pos]
                self._lasso_mode = mode_for(ev.modifiers())
            else:
                self._lasso.append(pos)
            path = QPainterPath(self._lasso[0])
            for pt in self._lasso[1:]:
                path.lineTo(pt)
            path.closeSubpath()
            self._path_item.setPath(path)
            if ev.isFinish():
                poly = np.array([(pt.x(), pt.y()) for pt in self._lasso], dtype=np.float64)
                self._lasso = []
                self._path_item.setPath(QPainterPath())
                self.lassoFinished.emit(poly, self._lasso_mode)
        elif ev.button() in (Qt.RightButton, Qt.MiddleButton):
            ev.accept()
            delta = ev.pos() - ev.lastPos()
            tr = self.mapToView(pg.Point(delta)) - self.mapToView(pg.Point(0, 0))
            self._resetTarget()
            self.translateBy(x=-tr.x(), y=-tr.y())
            self.sigRangeChangedManually.emit(self.state["mouseEnabled"])
        else:
            super().mouseDragEvent(ev, axis)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.LeftButton:
            ev.accept()
            pos = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(pos.x(), pos.y(), ev.modifiers())
        else:
            super().mouseClickEvent(ev)


class MapView(pg.PlotWidget):
    """The scatter widget. Call `set_points`, then `set_selection` / `set_neighbours` / `set_focus`."""

    lassoed = Signal(object, object)  # polygon, SelectionMode
    pointClicked = Signal(int, object)  # index (-1: empty space), modifiers
    clearRequested = Signal()

    def __init__(self, parent=None):
        self.viewbox = MapViewBox()
        super().__init__(parent, viewBox=self.viewbox, background="w")
        self.setAntialiasing(False)
        self.plotItem.hideButtons()
        for ax in ("left", "bottom"):
            self.plotItem.getAxis(ax).setStyle(showValues=False)
            self.plotItem.getAxis(ax).setPen(pg.mkPen(200, 200, 200))
        self.points = PointCloudItem(size=7)
        # Focus + context: with a selection, the other points fade and the selected ones are redrawn on
        # top in their own colours with a dark outline.
        self.selection = PointCloudItem(size=9, outline=QColor(0, 0, 0, 230))
        self.selection.setZValue(10)
        self.neighbours = pg.ScatterPlotItem(
            size=14, pen=pg.mkPen("#d62728", width=2.5), brush=pg.mkBrush(0, 0, 0, 0)
        )
        self.neighbours.setZValue(20)
        self.focus = pg.ScatterPlotItem(
            size=20, symbol="star", pen=pg.mkPen("k", width=1.2), brush=pg.mkBrush("#ffd92f")
        )
        self.focus.setZValue(30)
        for item in (self.points, self.selection, self.neighbours, self.focus):
            self.addItem(item)
        self.legend_corner = "top-right"
        self.legend = pg.LegendItem(
            offset=LEGEND_CORNERS[self.legend_corner],
            labelTextSize="9pt",
            labelTextColor=(40, 40, 40),
            brush=pg.mkBrush(255, 255, 255, 210),
        )
        self.legend.setParentItem(self.plotItem.vb)
        self.viewbox.lassoFinished.connect(self.lassoed)
        self.viewbox.clicked.connect(self._on_click)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAcceptDrops(False)  # the main window takes drops
        self._xy = np.zeros((0, 2))
        self._index: PointIndex | None = None
        self._index_pending = False
        self._codes, self._colors, self._names = np.zeros(0, int), [], []
        self._selection_mask: np.ndarray | None = None
        self._fitted = False
        self.legend_wanted = True
        self._legend_entries = 0
        self._legend_key: tuple | None = None
        self.viewbox.sigRangeChangedManually.connect(self._on_manual_range)
        self._refit = QTimer(self)  # one fit after a burst of resizes (a dock widening, a window drag)
        self._refit.setSingleShot(True)
        self._refit.setInterval(30)
        self._refit.timeout.connect(lambda: self.fit() if self._fitted else None)
        # A view the user (or a session) set is not re-fitted: the legend moves off the points instead.
        self._legend_move = QTimer(self)
        self._legend_move.setSingleShot(True)
        self._legend_move.setInterval(60)
        self._legend_move.timeout.connect(self._move_legend_off_points)
        self.viewbox.sigRangeChanged.connect(lambda *_: self._legend_move.start())

    def use_runner(self, runner) -> None:
        """Heavy array work of a big map's points (the per-colour draw order) goes to this task runner,
        so a new colouring or layout costs the GUI thread only a swap."""
        self.points.offload = lambda key, fn, *args, on_result, on_exit: runner.submit(
            key, fn, *args, on_result=on_result, on_exit=on_exit, title="Preparing the map"
        )

    # --- data ----------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, codes: np.ndarray, colors: list[QColor], names: list[str],
                   autorange: bool = True) -> None:  # fmt: skip
        new = np.asarray(xy, dtype=np.float64)
        if new is not self._xy:  # the same layout again (its points reloaded): the picking grid fits
            self._index = None  # built on the first pick
            self._index_pending = False
        self._xy = new
        self._codes, self._colors, self._names = np.asarray(codes), list(colors), list(names)
        self.points.set_points(self._xy, codes, colors)
        self._set_legend(names, colors)
        if autorange:
            self.fit()

    def set_colors(self, codes: np.ndarray, colors: list[QColor], names: list[str]) -> None:
        same = (codes is self._codes and list(colors) == self._colors and list(names) == self._names
                and self._legend_entries == len(names))  # fmt: skip
        if same:  # e.g. clusters landing on a map coloured by label: nothing to redraw
            return
        self._names = list(names)
        self._codes, self._colors = np.asarray(codes), list(colors)
        self.points.set_colors(codes, colors)
        self.set_selection(self._selection_mask)  # selected points are redrawn in the new colours
        self._set_legend(names, colors)
        if self._fitted:  # the user has not moved the view: keep the new legend clear of points
            self.fit()

    def _set_legend(self, names: list[str], colors: list[QColor], limit: int = 20) -> None:
        key = (tuple(map(str, names[:limit])), tuple(c.rgba() for c in colors[:limit]), len(names))
        if key == self._legend_key:  # the same entries (a layout reloaded): pyqtgraph's labels are slow
            self._update_legend_visibility()  # to build (~5 ms each), keep them
            return
        self._legend_key = key
        self.legend.clear()
        for name, color in list(zip(names, colors))[:limit]:
            sample = pg.ScatterPlotItem(pen=pg.mkPen(0, 0, 0, 90), brush=pg.mkBrush(color), size=9)
            self.legend.addItem(sample, html.escape(str(name)))  # labels are HTML: "< 0.2" must survive
        if len(names) > limit:
            self.legend.addItem(pg.ScatterPlotItem(pen=None, brush=None), f"… {len(names) - limit} more")
        self._legend_entries = len(names)
        self._update_legend_visibility()

    def set_legend_wanted(self, wanted: bool) -> None:
        self.legend_wanted = wanted
        self._update_legend_visibility()

    def _update_legend_visibility(self) -> None:
        """Shown when asked for and useful: more than one entry, and not wider than a third of the map
        (the map's own names say it then)."""
        self.legend.layout.activate()
        fits = self.legend.boundingRect().width() < LEGEND_SHARE * max(self.viewbox.width(), 1)
        self.legend.setVisible(self.legend_wanted and self._legend_entries > 1 and fits)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if hasattr(self, "legend"):
            self._update_legend_visibility()
            if self._fitted and len(self._xy):
                self._refit.start()  # the view is untouched: keep every point in it at the new size
            else:
                self._legend_move.start()  # a view the user set: the legend moves off the points instead

    def set_selection(self, mask: np.ndarray | None) -> None:
        if mask is not None and len(mask) != len(self._xy):
            mask = None  # a mask of an earlier layout
        self._selection_mask = mask
        idx = np.flatnonzero(mask) if mask is not None else np.zeros(0, int)
        codes = self._codes[idx] if len(self._codes) == len(self._xy) else None
        self.selection.set_points(self._xy[idx], codes, self._colors or [QColor(20, 20, 20)])
        self.points.setOpacity(0.25 if idx.size else 1.0)

    def _positions(self, indices) -> np.ndarray:
        """Map positions of `indices`; none while the layout for them is not drawn yet."""
        idx = np.asarray(indices, dtype=int).reshape(-1)
        if not idx.size or idx.max() >= len(self._xy):
            return np.zeros((0, 2))
        return self._xy[idx]

    def set_neighbours(self, indices) -> None:
        self.neighbours.setData(pos=self._positions(indices))

    def set_focus(self, index: int | None) -> None:
        self.focus.setData(pos=self._positions([] if index is None else [index]))

    def fit(self) -> None:
        """Show every point, with the legend in the corner that needs the least extra room to cover no
        point (the range widens on that side only as far as the points beside the legend need)."""
        self._fitted = True
        self.viewbox.autoRange(padding=0.1)  # room for names drawn beside clusters at the edges
        if not (self.legend.isVisible() and len(self._xy)):
            return
        self.legend.layout.activate()  # its size is stale until the layout runs
        (x0, x1), _ = self.viewbox.viewRange()
        bands: dict = {}  # the top and bottom bands' x extremes, shared by the left and right corners
        rooms = {corner: self._room_beside_legend(corner, bands) for corner in LEGEND_CORNERS}
        corner = min(LEGEND_CORNERS, key=lambda c: (rooms[c][1] - rooms[c][0], c != self.legend_corner))
        self._set_legend_corner(corner)
        if rooms[corner] != (x0, x1):
            self.viewbox.setXRange(*rooms[corner], padding=0)

    def _legend_box(self, corner: str) -> tuple[float, float, float, float]:
        """The legend's box at `corner` with a small margin, in view-box pixels (x0, y0, x1, y1)."""
        r = self.legend.boundingRect()
        w, h = self.viewbox.width(), self.viewbox.height()
        dx, dy = LEGEND_CORNERS[corner]
        bw, bh = r.width() + abs(dx) + LEGEND_GAP_PX, r.height() + abs(dy) + LEGEND_GAP_PX
        x0 = w - bw if dx < 0 else 0.0
        y0 = h - bh if dy < 0 else 0.0
        return x0, y0, x0 + bw, y0 + bh

    def _room_beside_legend(self, corner: str, bands: dict) -> tuple[float, float]:
        """The x range that keeps every point beside a legend at `corner` clear of it; y stays (so the
        points in the legend's band of rows stay the same while x widens)."""
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        w, h = max(self.viewbox.width(), 1.0), max(self.viewbox.height(), 1.0)
        bx0, by0, bx1, by1 = self._legend_box(corner)
        top, bottom = y1 - by0 / h * (y1 - y0), y1 - by1 / h * (y1 - y0)  # the band in data units
        if (top, bottom) not in bands:  # on the point cloud's contiguous float32 columns: ~4× faster
            x, y = self.points.columns  # than the (N, 2) float64 array's strided ones (2 bands at 1M)
            inside = y <= top
            inside &= y >= bottom
            band = x[inside]
            bands[top, bottom] = (float(band.min()), float(band.max())) if band.size else None
        extremes = bands[top, bottom]
        if extremes is None or not 0 < bx1 - bx0 < w:
            return x0, x1
        if bx0 > 0:  # right: the band's rightmost point ends left of the box, x0 fixed
            return x0, max(x1, x0 + (extremes[1] - x0) * w / bx0)
        r = bx1 / w  # left: the band's leftmost point starts right of the box, x1 fixed
        return min(x0, (extremes[0] - r * x1) / (1 - r)), x1

    def _legend_counts(self) -> dict[str, int]:
        """Points under the legend's box at each corner, in the current view (an even sample of a big
        map: this runs after every pan and zoom)."""
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        w, h = max(self.viewbox.width(), 1.0), max(self.viewbox.height(), 1.0)
        xy = self._xy[:: max(1, len(self._xy) // LEGEND_SAMPLE)]
        px = (xy[:, 0] - x0) * (w / max(x1 - x0, 1e-12))
        py = (y1 - xy[:, 1]) * (h / max(y1 - y0, 1e-12))
        inside = (px >= 0) & (px <= w) & (py >= 0) & (py <= h)
        px, py = px[inside], py[inside]
        out = {}
        for corner in LEGEND_CORNERS:
            bx0, by0, bx1, by1 = self._legend_box(corner)
            out[corner] = int(np.count_nonzero((px >= bx0) & (px <= bx1) & (py >= by0) & (py <= by1)))
        return out

    def _move_legend_off_points(self) -> None:
        """In a zoomed or restored view: the corner whose legend hides the fewest points."""
        if self._fitted or not (self.legend.isVisible() and len(self._xy)):
            return
        counts = self._legend_counts()
        if counts[self.legend_corner]:
            self._set_legend_corner(min(LEGEND_CORNERS, key=counts.get))

    def _set_legend_corner(self, corner: str) -> None:
        if corner != self.legend_corner:
            self.legend_corner = corner
            self.legend.setOffset(LEGEND_CORNERS[corner])

    def _on_manual_range(self, *_) -> None:
        self._fitted = False

    @property
    def fitted(self) -> bool:
        """True while the view shows the whole map as fit() left it (no zoom or pan since)."""
        return self._fitted

    @fitted.setter
    def fitted(self, value: bool) -> None:
        self._fitted = bool(value)

    def zoom_to(self, x_range, y_range) -> None:
        """A programmatic zoom (a search, an analogy): like a user's, it stops later re-fits."""
        self.viewbox.setRange(xRange=tuple(x_range), yRange=tuple(y_range), padding=0)
        self._fitted = False

    def center_on(self, index: int) -> None:
        if not 0 <= index < len(self._xy):
            return
        x, y = self._xy[index]
        rng = self.viewbox.viewRange()
        hw, hh = (rng[0][1] - rng[0][0]) / 2, (rng[1][1] - rng[1][0]) / 2
        self.viewbox.setRange(xRange=(x - hw, x + hw), yRange=(y - hh, y + hh), padding=0)

    # --- input ---------------------------------------------------------------------------
    def pick(self, x: float, y: float) -> int | None:
        """Nearest point within PICK_RADIUS_PX screen pixels; a grid index keeps it under a ms at 1M."""
        if not len(self._xy):
            return None
        if self._index is None:
            if self._index_pending:
                return None  # being built off the GUI thread (a big map); see set_pick_index
            self._index = PointIndex(self._xy)
        sx, sy = self.viewbox.viewPixelSize()
        return self._index.nearest((x, y), (PICK_RADIUS_PX * abs(sx), PICK_RADIUS_PX * abs(sy)))

    def pick_index_later(self) -> np.ndarray:
        """For a big map the caller builds `PointIndex(xy)` on a worker and hands it to set_pick_index;
        picks answer nothing until then instead of freezing the window."""
        self._index_pending = True
        return self._xy

    @property
    def pick_ready(self) -> bool:
        """False while a big map's picking grid is being built aside (picks answer nothing then)."""
        return not self._index_pending

    def set_pick_index(self, index: PointIndex, xy: np.ndarray) -> None:
        if xy is self._xy:  # not for a layout replaced meanwhile
            self._index, self._index_pending = index, False

    def _on_click(self, x, y, modifiers):
        i = self.pick(x, y)
        self.pointClicked.emit(-1 if i is None else i, modifiers)

    def keyPressEvent(self, ev):
        if ev.key() == Qt.Key_Escape:
            self.clearRequested.emit()
            ev.accept()
            return
        super().keyPressEvent(ev)
