"""A scatter item that draws many points fast: one bulk call per colour group, level of detail by count.

pyqtgraph's ScatterPlotItem builds per-point Python state (2.7 s to load 1M points). Here points are
mapped to pixels with numpy at paint time, culled to the viewport, and drawn per colour group either as
pre-rendered dot pixmaps (few visible points) or as 2-px points (many). Colours survive every level.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

DENSE_THRESHOLD = 60_000  # visible points above which dots become 2-px points


def _dot_pixmap(color: QColor, size: int, outline: QColor | None, ring: bool) -> QPixmap:
    pad = 2
    pm = QPixmap(size + 2 * pad, size + 2 * pad)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    if ring:
        p.setPen(QPen(color, 2.0))
        p.setBrush(Qt.NoBrush)
    else:
        p.setPen(QPen(outline, 0.8) if outline is not None else Qt.NoPen)
        p.setBrush(color)
    p.drawEllipse(QRectF(pad, pad, size, size))
    p.end()
    return pm


class PointCloudItem(pg.GraphicsObject):
    def __init__(self, size: int = 7, ring: bool = False, outline: QColor | None = None):
        super().__init__()
        self._size = size
        self._ring = ring
        self._outline = outline if outline is not None else QColor(0, 0, 0, 90)
        self._xy = np.zeros((0, 2), np.float64)
        self._order = np.zeros(0, np.int64)
        self._bounds: list[tuple[int, int, int]] = []  # (code, start, stop) into _order
        self._colors: list[QColor] = []
        self._pixmaps: dict[int, QPixmap] = {}
        self._rect = QRectF()
        self._points = PrimitiveArray(QPointF, 2)
        self._frags = PrimitiveArray(QPainter.PixmapFragment, 10)
        self.last_level = ""

    # --- data ----------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, codes: np.ndarray | None = None, colors=None) -> None:
        self.prepareGeometryChange()
        self._xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(self._xy):
            lo, hi = np.nanmin(self._xy, axis=0), np.nanmax(self._xy, axis=0)
            self._rect = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-9), max(hi[1] - lo[1], 1e-9))
        else:
            self._rect = QRectF()
        self.set_colors(np.zeros(len(self._xy), np.int32) if codes is None else codes,
                        colors or [QColor("#4e79a7")])  # fmt: skip

    def set_colors(self, codes: np.ndarray, colors: list[QColor]) -> None:
        codes = np.asarray(codes)
        self._order = np.argsort(codes, kind="stable")
        sorted_codes = codes[self._order]
        uniq, starts = np.unique(sorted_codes, return_index=True)
        stops = np.append(starts[1:], len(sorted_codes))
        self._bounds = [(int(c), int(a), int(b)) for c, a, b in zip(uniq, starts, stops)]
        self._colors = list(colors)
        self._pixmaps.clear()
        self.update()

    def set_size(self, size: int) -> None:
        self._size = size
        self._pixmaps.clear()
        self.update()

    def __len__(self) -> int:
        return len(self._xy)

    @property
    def xy(self) -> np.ndarray:
        return self._xy

    # --- QGraphicsItem -------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if not len(self._xy):
            return None
        col = self._xy[:, ax]
        return float(np.nanmin(col)), float(np.nanmax(col))

    def pixelPadding(self) -> float:
        return self._size / 2 + 2

    def _pixmap(self, code: int) -> QPixmap:
        pm = self._pixmaps.get(code)
        if pm is None:
            color = self._colors[code % len(self._colors)] if self._colors else QColor("gray")
            pm = self._pixmaps[code] = _dot_pixmap(color, self._size, self._outline, self._ring)
        return pm

    def paint(self, p: QPainter, *args) -> None:
        if not len(self._xy):
            return
        t = p.transform()
        x, y = self._xy[:, 0], self._xy[:, 1]
        px = x * t.m11() + y * t.m21() + t.m31()
        py = x * t.m12() + y * t.m22() + t.m32()
        dev = p.device()
        w, h = dev.width(), dev.height()
        m = self._size
        visible = (px > -m) & (px < w + m) & (py > -m) & (py < h + m)
        n_visible = int(np.count_nonzero(visible))
        p.save()
        p.resetTransform()
        dense = n_visible > DENSE_THRESHOLD
        self.last_level = "points" if dense else "dots"
        for code, start, stop in self._bounds:
            idx = self._order[start:stop]
            idx = idx[visible[idx]]
            if not idx.size:
                continue
            if dense:
                color = self._colors[code % len(self._colors)]
                p.setPen(QPen(color, 2.0 if n_visible < 400_000 else 1.0))
                self._points.resize(idx.size)
                arr = self._points.ndarray()
                arr[:, 0], arr[:, 1] = px[idx], py[idx]
                p.drawPoints(*self._points.drawargs())
            else:
                pm = self._pixmap(code)
                self._frags.resize(idx.size)
                fr = self._frags.ndarray()
                fr[:, 0], fr[:, 1] = px[idx], py[idx]
                fr[:, 2:4] = 0
                fr[:, 4] = fr[:, 5] = pm.width()
                fr[:, 6:8] = 1.0
                fr[:, 8] = 0.0
                fr[:, 9] = 1.0
                p.drawPixmapFragments(*self._frags.drawargs(), pm)
        p.restore()
