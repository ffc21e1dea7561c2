"""A scatter item that draws many points fast, with level of detail by the number of visible points.

pyqtgraph's ScatterPlotItem builds per-point Python state (2.7 s to load 1M points). Here points are
mapped to pixels with numpy at paint time and culled to the viewport. Few visible points: one
drawPixmapFragments call per colour group with a pre-rendered antialiased dot. Many: the points are
rasterised by numpy straight into an ARGB image (2×2 px each, colour from a lookup table) and drawn with
one drawImage — ~10× faster than QPainter.drawPoints at a million points. Colours survive every level.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap

from latentview.qt.common.guard import paint_guard

DENSE_THRESHOLD = 60_000  # visible points above which dots become rasterised 2×2 px points
SINGLE_PIXEL_THRESHOLD = 250_000  # ... and above which they become single pixels
OFFLOAD_ABOVE = 200_000  # points above which the draw order is sorted on the task runner (`offload`)
ROW_BANDS = 4096  # the raster's row order: points sorted into this many bands of y


def color_groups(codes: np.ndarray) -> tuple:
    """(order, [(code, start, stop)]): points sorted by colour, for one draw call per colour; big groups
    first, small ones drawn over them — the few top-frequency words, a small cluster or an added point
    stays visible instead of sinking under a crowd. The same order as a stable argsort of the codes."""
    codes = np.asarray(codes)
    if not len(codes) or codes.min() == codes.max():
        return np.arange(len(codes)), [(int(codes[0]), 0, len(codes))] if len(codes) else []
    lo = int(codes.min())
    counts = np.bincount(codes - lo)
    present = np.flatnonzero(counts)
    if len(present) <= 256:  # one pass per colour: short numpy calls, where a sort (or np.unique)
        # of a million codes holds the GIL for 100–300 ms and stalls the window from a worker
        order = np.concatenate([np.flatnonzero(codes == lo + c) for c in present])
    else:
        order = np.argsort(codes, kind="stable")
    stops = np.cumsum(counts[present])
    starts = stops - counts[present]
    groups = [(int(lo + c), int(a), int(b)) for c, a, b in zip(present, starts, stops)]
    groups.sort(key=lambda g: g[1] - g[2])
    return order, groups


def _gather(values: np.ndarray, order: np.ndarray, block: int = 131_072) -> np.ndarray:
    """values[order] in blocks, letting the GUI thread have the interpreter between them (one 1M
    gather holds it for 10–20 ms)."""
    import time

    out = np.empty(len(order), values.dtype)
    for start in range(0, len(order), block):
        out[start : start + block] = values[order[start : start + block]]
        time.sleep(0)
    return out


def _prepare_steps(x: np.ndarray, y: np.ndarray, codes: np.ndarray, lut: np.ndarray, row_order=None):
    """Generator for the task runner: a big map's draw arrays, off the GUI thread — the per-colour
    groups for dots, and for the raster the points in row order (by y; writes into the image then go
    through memory in order, ~1.5× faster per repaint at 1M) with their colours already looked up."""
    from latentview.core.progress import Progress

    yield Progress(0, 2, f"Preparing {len(codes):,} points for drawing")
    if row_order is None:  # by pixel row band, not exact y: a sort of small ints holds the GIL briefly
        lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
        band = ((np.nan_to_num(y, nan=lo) - lo) * (ROW_BANDS / max(hi - lo, 1e-12))).astype(np.int16)
        row_order = np.argsort(np.minimum(band, ROW_BANDS - 1), kind="stable")
    rows = (_gather(x, row_order), _gather(y, row_order), lut[_gather(codes, row_order)])
    yield Progress(1, 2, f"Preparing {len(codes):,} points for drawing")
    return color_groups(codes), row_order, rows


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
        self._x = self._y = np.zeros(0, np.float32)
        self._groups: tuple | None = None
        self._colors: list[QColor] = []
        self._pixmaps: dict[int, QPixmap] = {}
        self._rect = QRectF()
        self._frags = PrimitiveArray(QPainter.PixmapFragment, 10)
        self.last_level = ""
        self._version = 0  # bumped on every data/colour change; keys the raster cache
        self._raster_key: tuple | None = None
        self._raster: QImage | None = None
        self._bounds = ((0.0, 0.0), (0.0, 0.0))  # per axis (min, max), NaN-free, for dataBounds
        # fn(key, generator_fn, *args, on_result=...): runs work on the task runner (MapView.use_runner);
        # None: everything here, on the GUI thread (small maps, tests of the item alone).
        self.offload = None
        self._groups_pending = self._prepare_due = False
        self._colour_version = 0
        self._row_order: np.ndarray | None = None  # points by y, for this layout (from the runner)
        self._rows: tuple | None = None  # (x, y, ARGB) in row order, for these colours
        self._after_paint: list = []  # callables for when the next paint is done (after_next_paint)

    # --- data ----------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, codes: np.ndarray | None = None, colors=None) -> None:
        self.prepareGeometryChange()
        self._xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
        self._x = np.ascontiguousarray(self._xy[:, 0], dtype=np.float32)
        self._y = np.ascontiguousarray(self._xy[:, 1], dtype=np.float32)
        self._row_order = None
        if len(self._xy):
            # Once per layout, on contiguous float32 columns: pyqtgraph asks dataBounds on every fit.
            lo = np.array([np.nanmin(self._x), np.nanmin(self._y)], np.float64)
            hi = np.array([np.nanmax(self._x), np.nanmax(self._y)], np.float64)
            self._bounds = ((lo[0], hi[0]), (lo[1], hi[1]))
            self._rect = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-9), max(hi[1] - lo[1], 1e-9))
        else:
            self._rect = QRectF()
        self.set_colors(np.zeros(len(self._xy), np.int32) if codes is None else codes,
                        colors or [QColor("#4e79a7")])  # fmt: skip

    def set_colors(self, codes: np.ndarray, colors: list[QColor]) -> None:
        codes = np.asarray(codes)
        self._codes = codes.astype(np.int32, copy=False)
        self._version += 1
        self._colour_version = self._version  # what the runner's draw arrays are for (not the size)
        self._groups = None  # per-colour grouping, built on the first zoomed-in (dots) paint ...
        self._groups_pending, self._rows = False, None
        self._colors = list(colors)
        n = max(int(self._codes.max()) + 1 if len(codes) else 1, len(self._colors), 1)
        self._lut = np.array(
            [self._colors[i % len(self._colors)].rgba() if self._colors else 0xFF808080 for i in range(n)],
            dtype=np.uint32,
        )
        if self.offload is not None and len(self._codes) > OFFLOAD_ABOVE:  # ... or on the runner, once
            self._groups_pending = self._prepare_due = True  # sent after the next paint: a worker would
            # compete with that paint for the interpreter lock
        self._pixmaps.clear()
        self.update()

    def _prepare(self, version: int) -> None:
        if version == self._colour_version and self._groups_pending:  # not for colours replaced since
            self._prepare_due = False
            self.offload("draw-order", _prepare_steps, self._x, self._y, self._codes, self._lut, self._row_order,
                         on_result=lambda out, v=version: self._prepared(v, *out),
                         on_exit=lambda v=version: self._prepare_ended(v))  # fmt: skip

    def _prepared(self, version: int, groups: tuple, row_order: np.ndarray, rows: tuple) -> None:
        """The runner's draw arrays land: a swap (and a repaint only where dots wait for them)."""
        if version == self._colour_version and len(row_order) == len(self._xy):  # not for replaced data
            self._groups, self._groups_pending = groups, False
            self._row_order, self._rows = row_order, rows
            if self.last_level != "raster":  # the pixels drawn meanwhile stay right: later paints use
                self._raster_key = None  # the new arrays; a zoomed-in view becomes dots now
                self.update()

    def _prepare_ended(self, version: int) -> None:
        """The runner's task ended without arrays (cancelled, failed): dots sort on the GUI thread again."""
        if version == self._colour_version and self._groups_pending:
            self._groups_pending = False
            self._raster_key = None
            self.update()

    def set_size(self, size: int) -> None:
        self._size = size
        self._version += 1
        self._pixmaps.clear()
        self.update()

    def __len__(self) -> int:
        return len(self._xy)

    @property
    def xy(self) -> np.ndarray:
        return self._xy

    @property
    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) as contiguous float32 arrays: fast full scans (a million points in a ms or two)."""
        return self._x, self._y

    # --- QGraphicsItem -------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if not len(self._xy):
            return None
        return tuple(float(v) for v in self._bounds[ax])

    def pixelPadding(self) -> float:
        return self._size / 2 + 2

    def _pixmap(self, code: int) -> QPixmap:
        pm = self._pixmaps.get(code)
        if pm is None:
            color = self._colors[code % len(self._colors)] if self._colors else QColor("gray")
            pm = self._pixmaps[code] = _dot_pixmap(color, self._size, self._outline, self._ring)
        return pm

    def after_next_paint(self, fn) -> None:
        """Run `fn` from the event loop once this item's next paint is done (within a second if nothing
        paints it): work a new layout sends to the runner starts after its first raster, since a worker
        taking the interpreter lock between that paint's numpy calls stretches the paint (a convoy)."""
        self._after_paint.append(fn)
        self.update()
        QTimer.singleShot(1000, self, self._run_after_paint)  # dies with the item

    def _run_after_paint(self) -> None:
        fns, self._after_paint = self._after_paint, []
        for fn in fns:
            fn()

    @paint_guard
    def paint(self, p: QPainter, *args) -> None:
        self._paint(p)
        if self._after_paint:
            QTimer.singleShot(0, self, self._run_after_paint)
        if self._prepare_due:
            self._prepare_due = False
            QTimer.singleShot(0, lambda v=self._colour_version: self._prepare(v))

    def _paint(self, p: QPainter) -> None:
        if not len(self._xy):
            return
        t = p.transform()
        if t.m12() != 0 or t.m21() != 0:
            return  # the map never rotates
        dev = p.device()
        w, h = dev.width(), dev.height()
        key = (self._version, self._size, t.m11(), t.m22(), t.m31(), t.m32(), w, h)
        if key == self._raster_key and self._raster is not None:
            # Only an overlay changed (selection, hover): reuse the rasterised image.
            p.save()
            p.resetTransform()
            p.drawImage(0, 0, self._raster)
            p.restore()
            return
        self._raster_key = None
        x, y, rgba = self._rows if self._rows is not None else (self._x, self._y, None)
        px = x * np.float32(t.m11()) + np.float32(t.m31())
        py = y * np.float32(t.m22()) + np.float32(t.m32())
        m = self._size
        visible = (px > -m) & (px < w + m) & (py > -m) & (py < h + m)
        n_visible = int(np.count_nonzero(visible))
        p.save()
        p.resetTransform()
        if n_visible > DENSE_THRESHOLD or (self._groups is None and self._groups_pending):
            # (the draw order is still being sorted on the runner: pixels for a moment, not a freeze)
            self.last_level = "raster"
            self._raster = self._paint_raster(p, px, py, w, h, n_visible, rgba)
            self._raster_key = key
        else:
            self.last_level = "dots"
            if rgba is not None:  # the row-ordered arrays: the dots need the points' own order
                px = self._x * np.float32(t.m11()) + np.float32(t.m31())
                py = self._y * np.float32(t.m22()) + np.float32(t.m32())
                visible = (px > -m) & (px < w + m) & (py > -m) & (py < h + m)
            self._paint_dots(p, px, py, visible)
        p.restore()

    def _paint_raster(self, p: QPainter, px, py, w: int, h: int, n_visible: int, rgba=None) -> QImage:
        """`rgba`: each point's colour, when px/py are in the prepared row order; else looked up."""
        xi = px.astype(np.int32)
        yi = py.astype(np.int32)
        ok = (xi >= 0) & (xi < w - 1)
        ok &= yi >= 0
        ok &= yi < h - 1
        flat = yi * np.int32(w)
        flat += xi
        colour = rgba if rgba is not None else self._lut[self._codes]
        if n_visible < len(ok) or not ok.all():  # a fitted view has every point inside: no gathers
            flat, colour = flat[ok], colour[ok]
        buf = np.zeros(h * w, np.uint32)
        # 2×2 px points while they can be told apart; past that density 1 px shows the structure best.
        offsets = (0,) if n_visible > SINGLE_PIXEL_THRESHOLD else (0, 1, w, w + 1)
        for offset in offsets:
            buf[flat + offset] = colour
        img = QImage(buf.data, w, h, 4 * w, QImage.Format_ARGB32).copy()
        p.drawImage(0, 0, img)
        return img

    def _color_groups(self):
        """(order, [(code, start, stop)]): points sorted by colour, for one draw call per colour."""
        if self._groups is None:
            self._groups = color_groups(self._codes)
        return self._groups

    def _paint_dots(self, p: QPainter, px, py, visible) -> None:
        order, bounds = self._color_groups()
        for code, start, stop in bounds:
            idx = order[start:stop]
            idx = idx[visible[idx]]
            if not idx.size:
                continue
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
