"""Map overlays for word spaces: labels for the words that fit (more as you zoom) and analogy arrows.

Both paint in device pixels, like PointCloudItem: points are mapped with numpy at paint time, culled
to the viewport, and labels are placed greedily (pinned words first, then by frequency rank) on a
coarse occupancy grid, so a label never covers another and a repaint stays a few milliseconds.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from latentview.core.geometry import bounds
from latentview.qt.common.guard import paint_guard

CELL = 4  # occupancy grid cell, px
MAX_CANDIDATES = 4_000  # visible words examined per paint, in rank order
MAX_LABELS = 600
HALO = 2.6  # px of white around each label's glyphs, so it reads over the dots
SPRITES = 4_000  # labels kept as pre-rendered sprites (text + halo), least recently drawn dropped


def label_sprite(text: str, font: QFont, colour: QColor, dpr: float = 1.0) -> QPixmap:
    """The word with a white halo, rendered once: drawing a sprite costs a few µs, where stroking the
    glyph outlines at every repaint would cost ~50 µs a label."""
    fm = QFontMetrics(font)
    pad = math.ceil(HALO) + 1
    w, h = fm.horizontalAdvance(text) + 2 * pad, fm.height() + 2 * pad
    pm = QPixmap(max(1, round(w * dpr)), max(1, round(h * dpr)))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.transparent)
    path = QPainterPath()
    path.addText(pad, pad + fm.ascent(), font, text)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    halo = QPen(QColor(255, 255, 255, 235), 2 * HALO)
    halo.setJoinStyle(Qt.RoundJoin)
    p.strokePath(path, halo)
    p.fillPath(path, colour)
    p.end()
    return pm


def _device_xy(p: QPainter, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = p.transform()
    x, y = xy[:, 0], xy[:, 1]
    return x * t.m11() + y * t.m21() + t.m31(), x * t.m12() + y * t.m22() + t.m32()


class _DataRectItem(pg.GraphicsObject):
    """Bounds = the points' box with a wide margin: labels and arrows stick out by some pixels."""

    def __init__(self):
        super().__init__()
        self._xy = np.zeros((0, 2))
        self._rect = QRectF()

    def _set_xy(self, xy: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        lo, hi = bounds(self._xy, finite=True)
        if np.isfinite(lo).all():
            span = np.maximum(hi - lo, 1e-9)
            lo, hi = lo - span, hi + span
            self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._rect = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None  # never changes the auto-range


class WordLabelsItem(_DataRectItem):
    def __init__(self, point_size: int = 7):
        super().__init__()
        self._words: list[str] = []
        self._pinned = np.zeros(0, np.int64)
        self._priority = np.zeros(0, np.int64)
        self._widths: dict[int, int] = {}
        self._gap = point_size // 2 + 3
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        self.bold.setPointSizeF(9.5)
        self._fm = QFontMetrics(self.font)
        self._fm_bold = QFontMetrics(self.bold)
        self.drawn: list[int] = []  # indices labelled by the last paint (tests, screenshots)
        self._sprites: OrderedDict[int, QPixmap] = OrderedDict()
        self.setZValue(25)

    def set_words(self, words: list[str], xy: np.ndarray) -> None:
        if list(words[: len(self._words)]) != self._words:
            self._sprites.clear()  # other words (rows appended keep their sprites)
        self._words = list(words)
        self._widths.clear()
        self._pinned = self._pinned[self._pinned < len(self._words)]
        self._priority = self._priority[self._priority < len(self._words)]
        self._set_xy(xy)

    def set_pinned(self, indices, priority=()) -> None:
        """`indices`: always labelled, in bold (focus, analogy words); `priority`: labelled before the
        rank order wherever they fit (the focus's neighbours)."""
        self._pinned = self._valid(indices)
        self._priority = self._valid(priority)
        self.update()

    def _valid(self, indices) -> np.ndarray:
        idx = np.asarray(list(dict.fromkeys(int(i) for i in indices if i is not None)), dtype=np.int64)
        return idx[(idx >= 0) & (idx < len(self._words))]

    def clear(self) -> None:
        self._sprites.clear()
        self._words = []
        self._pinned = np.zeros(0, np.int64)
        self._priority = np.zeros(0, np.int64)
        self._set_xy(np.zeros((0, 2)))

    def _width(self, i: int) -> int:
        w = self._widths.get(i)
        if w is None:
            w = self._widths[i] = self._fm.horizontalAdvance(self._words[i])
        return w

    @paint_guard
    def paint(self, p: QPainter, *args) -> None:
        self.drawn = []
        if not len(self._xy) or len(self._words) != len(self._xy):
            return
        px, py = _device_xy(p, self._xy)
        dev = p.device()
        w, h = dev.width(), dev.height()
        visible = np.isfinite(px) & np.isfinite(py) & (px > -40) & (px < w) & (py > -10) & (py < h + 10)
        pinned = self._pinned[visible[self._pinned]]
        priority = self._priority[visible[self._priority]]
        rest = np.concatenate([priority, np.flatnonzero(visible)[:MAX_CANDIDATES]])
        grid = np.zeros((h // CELL + 2, w // CELL + 2), dtype=bool)
        p.save()
        p.resetTransform()
        line_h = self._fm.height()
        # Pinned words first: always drawn, on a white box so they read over the dots.
        p.setFont(self.bold)
        for i in pinned.tolist():
            text = self._words[i]
            tw, th = self._fm_bold.horizontalAdvance(text), self._fm_bold.height()
            x0, y0 = px[i] + self._gap, py[i] - th / 2
            p.fillRect(QRectF(x0 - 2, y0, tw + 4, th), QColor(255, 255, 255, 215))
            p.setPen(QColor(0, 0, 0))
            p.drawText(QPointF(x0, y0 + self._fm_bold.ascent()), text)
            self._occupy(grid, x0, y0, tw, th)
            self.drawn.append(i)
        pad = math.ceil(HALO) + 1
        dpr = dev.devicePixelRatioF() if hasattr(dev, "devicePixelRatioF") else 1.0
        seen = set(pinned.tolist())
        for i in rest.tolist():
            if len(self.drawn) >= MAX_LABELS:
                break
            if i in seen:
                continue
            seen.add(i)
            tw = self._width(i)
            x0, y0 = px[i] + self._gap, py[i] - line_h / 2
            c0, r0 = int(x0 // CELL), int(y0 // CELL)
            c1, r1 = int((x0 + tw) // CELL) + 1, int((y0 + line_h) // CELL) + 1
            if c0 < 0 or r0 < 0 or c1 > grid.shape[1] or r1 > grid.shape[0] or grid[r0:r1, c0:c1].any():
                continue
            grid[r0:r1, c0:c1] = True
            p.drawPixmap(QPointF(x0 - pad, y0 - pad), self._sprite(i, dpr))
            self.drawn.append(i)
        p.restore()

    def _sprite(self, i: int, dpr: float) -> QPixmap:
        pm = self._sprites.get(i)
        if pm is None or pm.devicePixelRatio() != dpr:
            pm = self._sprites[i] = label_sprite(self._words[i], self.font, QColor(35, 35, 35), dpr)
            if len(self._sprites) > SPRITES:
                self._sprites.popitem(last=False)
        else:
            self._sprites.move_to_end(i)
        return pm

    @staticmethod
    def _occupy(grid: np.ndarray, x0: float, y0: float, tw: float, th: float) -> None:
        c0, r0 = max(0, int(x0 // CELL)), max(0, int(y0 // CELL))
        c1, r1 = int((x0 + tw) // CELL) + 1, int((y0 + th) // CELL) + 1
        if c1 > 0 and r1 > 0:
            grid[r0:r1, c0:c1] = True

    def drawn_words(self) -> list[str]:
        return [self._words[i] for i in self.drawn]


class ArrowsItem(_DataRectItem):
    """Arrows between map points (analogy offsets), drawn in pixels so heads keep their shape."""

    def __init__(self):
        super().__init__()
        self._pairs: list[tuple[int, int, QColor, bool]] = []
        self._points = np.zeros((0, 2))
        self.setZValue(28)

    def set_points(self, xy: np.ndarray) -> None:
        self._points = np.asarray(xy, dtype=np.float64)
        self._set_xy(self._points[[i for a, b, *_ in self._pairs for i in (a, b)]] if self._pairs else [])

    def set_arrows(self, pairs: list[tuple[int, int, QColor, bool]]) -> None:
        """(from index, to index, colour, dashed) per arrow; indices into the map's points."""
        n = len(self._points)
        self._pairs = [pr for pr in pairs if 0 <= pr[0] < n and 0 <= pr[1] < n and pr[0] != pr[1]]
        self.set_points(self._points)

    @property
    def arrows(self) -> list[tuple[int, int]]:
        return [(a, b) for a, b, *_ in self._pairs]

    @paint_guard
    def paint(self, p: QPainter, *args) -> None:
        if not self._pairs:
            return
        px, py = _device_xy(p, self._points)
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.Antialiasing)
        for a, b, color, dashed in self._pairs:
            x0, y0, x1, y1 = px[a], py[a], px[b], py[b]
            length = math.hypot(x1 - x0, y1 - y0)
            if length < 4 or not np.isfinite(length):
                continue
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            x1s, y1s = x1 - ux * 6, y1 - uy * 6  # stop short of the target dot
            pen = QPen(color, 2.2, Qt.DashLine if dashed else Qt.SolidLine)
            p.setPen(pen)
            p.drawLine(QPointF(x0 + ux * 5, y0 + uy * 5), QPointF(x1s - ux * 8, y1s - uy * 8))
            head = QPolygonF(
                [
                    QPointF(x1s, y1s),
                    QPointF(x1s - ux * 11 - uy * 5, y1s - uy * 11 + ux * 5),
                    QPointF(x1s - ux * 11 + uy * 5, y1s - uy * 11 - ux * 5),
                ]
            )
            p.setPen(Qt.NoPen)
            p.setBrush(color)
            p.drawPolygon(head)
        p.restore()
