"""Images on the map: when few points are visible (zoomed in), each is drawn as its own thumbnail,
framed in its point's colour; hovering a point shows a preview tooltip.

Level of detail: only visible points, only below MAX_VISIBLE of them; thumbnails come from the disk
cache (services/thumbnails.py) on the runner and live in a bounded in-memory LRU. Hover picks the
nearest point with `MapView.pick` (numpy on the map coordinates) and never repaints the map.
"""

from __future__ import annotations

import html
import os
from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QCursor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QToolTip

from latentview.qt.common.guard import paint_guard
from latentview.qt.common.imaging import to_pixmap
from latentview.qt.shell.features import Features

MAX_VISIBLE = 150  # more visible points than this: dots only
MAX_COVER = 0.35  # ... or when their thumbnails would cover more than this fraction of the map
THUMB_PX = 64  # drawn size (longer side) on screen
LOAD_PX = 128  # cached size (sharp on high-DPI screens)
LRU_SIZE = 800
HOVER_PX = 160
SPACING = 0.75  # two thumbnails closer than this × THUMB_PX on screen pile up
MAX_PILED = 0.2  # images replace dots once at most this share of the visible points is piled


def piled_fraction(px: np.ndarray) -> float:
    """Share of points whose nearest other point is closer than SPACING × THUMB_PX (screen pixels)."""
    if len(px) < 2:
        return 0.0
    d2 = ((px[:, None, :] - px[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    return float(np.mean(d2.min(1) < (SPACING * THUMB_PX) ** 2))


class ThumbnailLayer(pg.GraphicsObject):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setZValue(12)  # above dots and selection rings (selected images get a dark frame), below names
        self._paths: list[str] = []
        self._xy = np.zeros((0, 2))
        self._pix: OrderedDict[int, QPixmap] = OrderedDict()
        self._rect = QRectF()
        self.enabled = True
        self.last_drawn = 0
        self.requested: list[int] = []
        self.loader = None  # (indices, size) → runner task; None: thumbnails of the image files
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)  # debounce wheel storms
        self._timer.timeout.connect(self.request_visible)

    # --- data ----------------------------------------------------------------------------
    def set_items(self, paths: list[str], xy: np.ndarray | None, loader=None) -> None:
        self.prepareGeometryChange()
        if paths is not self._paths:
            self._pix.clear()
        self._paths = paths
        self.loader = loader
        self._xy = np.zeros((0, 2)) if xy is None else np.asarray(xy, np.float64)
        self._update_rect()
        self.schedule()

    def _update_rect(self) -> None:
        vb = self.window.map.viewbox
        self._rect = vb.viewRect() if len(self._xy) else QRectF()

    def schedule(self) -> None:
        self._timer.start()

    def visible_indices(self) -> np.ndarray:
        if not len(self._xy):
            return np.zeros(0, int)
        (x0, x1), (y0, y1) = self.window.map.viewbox.viewRange()
        x, y = self._xy[:, 0], self._xy[:, 1]
        return np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))

    def shows_images(self, n_visible: int, vis: np.ndarray | None = None) -> bool:
        """Level of detail: images only when few enough to be seen side by side and no longer piled:
        most visible points at least SPACING × a thumbnail apart on screen (decided in pixels, so
        it holds at any zoom and for any spread)."""
        vp = self.window.map.viewport()
        area = max(vp.width() * vp.height(), 1)
        if not (
            self.enabled and 0 < n_visible <= MAX_VISIBLE and n_visible * THUMB_PX**2 <= MAX_COVER * area
        ):
            return False
        if vis is None or len(vis) < 2:
            return True
        return piled_fraction(self._screen_xy(vis)) <= MAX_PILED

    def _screen_xy(self, idx: np.ndarray) -> np.ndarray:
        sx, sy = self.window.map.viewbox.viewPixelSize()
        return self._xy[idx] / np.array([abs(sx) or 1.0, abs(sy) or 1.0])

    def request_visible(self) -> None:
        """Ask the runner for the visible thumbnails not in memory (the newest request wins)."""
        from latentview.services.thumbnails import load_map_thumbnails

        self.prepareGeometryChange()
        self._update_rect()
        self.update()
        vis = self.visible_indices()
        if not self.shows_images(len(vis), vis):
            return
        missing = [int(i) for i in vis if int(i) not in self._pix]
        if not missing:
            return
        self.requested = missing
        if self.loader is not None:  # images made on demand (a GAN map's samples)
            self.window.runner.submit("map-thumbs", self.loader, missing, LOAD_PX, on_partial=self._on_thumbs,
                                      title="Map thumbnails")  # fmt: skip
            return
        self.window.runner.submit("map-thumbs", load_map_thumbnails, self._paths, missing, LOAD_PX,
                                  on_partial=self._on_thumbs, title="Map thumbnails")  # fmt: skip

    def _on_thumbs(self, part) -> None:
        for i, rgb in part.value:
            if rgb is not None and i < len(self._xy):
                self._pix[i] = to_pixmap(rgb)
                self._pix.move_to_end(i)
        while len(self._pix) > LRU_SIZE:
            self._pix.popitem(last=False)
        self.update()

    def screen_boxes(self) -> list[tuple[float, float, float, float]]:
        """Where images are (or are about to be) drawn, in view-box pixels: names keep off them."""
        vis = self.visible_indices()
        if not self.shows_images(len(vis), vis):
            return []
        vb, half = self.window.map.viewbox, THUMB_PX / 2 + 3
        out = []
        for i in vis:
            x, y = self._xy[int(i)]
            p = vb.mapFromView(QPointF(float(x), float(y)))
            out.append((p.x() - half, p.y() - half, p.x() + half, p.y() + half))
        return out

    def loaded(self) -> int:
        return len(self._pix)

    # --- QGraphicsItem -------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    @paint_guard
    def paint(self, p: QPainter, *args) -> None:
        self.last_drawn = 0
        if not self.enabled or not len(self._xy) or not self._pix:
            return
        vis = self.visible_indices()
        if not self.shows_images(len(vis), vis):
            return
        have = [i for i in vis if int(i) in self._pix]
        if not have:
            return
        t = p.transform()
        codes, colours = getattr(self.window.map, "colour_codes", (None, None))
        selected = self.window.session.selection
        dark = QPen(QColor(20, 20, 20), 3)
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        for i in sorted(have, key=lambda j: -self._xy[j, 1]):  # lower points on top
            pm = self._pix[int(i)]
            x, y = self._xy[i]
            px = x * t.m11() + y * t.m21() + t.m31()
            py = x * t.m12() + y * t.m22() + t.m32()
            scale = THUMB_PX / max(pm.width(), pm.height())
            w, h = pm.width() * scale, pm.height() * scale
            target = QRectF(px - w / 2, py - h / 2, w, h)
            colour = QColor(80, 80, 80)
            if codes is not None and i < len(codes) and colours:
                colour = colours[int(codes[i]) % len(colours)]
            p.setBrush(Qt.NoBrush)
            if selected is not None and i < len(selected) and selected[i]:
                p.setPen(dark)
                p.drawRect(target.adjusted(-5, -5, 5, 5))
            p.setPen(QPen(colour, 3))
            p.drawRect(target.adjusted(-2, -2, 2, 2))
            p.drawPixmap(target, pm, QRectF(pm.rect()))
            self.last_drawn += 1
        p.restore()


class HoverPreview:
    """A tooltip with the image (or word), its label and cluster for the point under the mouse."""

    def __init__(self, window):
        from latentview.qt.map.hover_loader import HoverLoader

        self.window = window
        self.index: int | None = None
        self.html = ""
        self.loader = HoverLoader(window.runner, LOAD_PX, parent=window)
        self.loader.loaded.connect(self._loaded)
        window.map.scene().sigMouseMoved.connect(self.on_move)

    def on_move(self, scene_pos) -> None:
        m = self.window.map
        if not m.viewbox.sceneBoundingRect().contains(scene_pos) or not len(m.points):
            return
        pos = m.viewbox.mapSceneToView(scene_pos)
        self.hover(m.pick(pos.x(), pos.y()))

    def hover(self, index: int | None) -> None:
        if index == self.index:
            return
        self.index = index
        if index is None:
            self.loader.cancel()
            self.html = ""
            QToolTip.hideText()
            return
        ds = self.window.session.dataset
        if ds is None or index >= len(ds):
            return
        if ds.kind == "images":
            from latentview.services.thumbnails import cached_thumbnail

            path = cached_thumbnail(ds.items[index], LOAD_PX)
            if path is None:
                self.show(index, None)
                self.loader.request(index, ds.items[index])  # one bounded, debounced worker
                return
            self.loader.cancel()
            self.show(index, path)
        elif "thumb_file" in ds.meta:  # a GAN sample: its rendered image, made once and kept as a PNG
            path = ds.meta["thumb_file"](index)
            self.show(index, path)
            if path is None:
                self.window.runner.submit("hover-thumb", ds.meta["thumbs"], [index], LOAD_PX,
                                          on_result=lambda _n, i=index: self._loaded(i), title="Preview")  # fmt: skip
        else:
            self.show(index, None)

    def _loaded(self, index: int, path=None) -> None:
        ds = self.window.session.dataset
        if path is None and ds is not None and "thumb_file" in ds.meta and index < len(ds):
            path = ds.meta["thumb_file"](index)  # a GAN sample's image, just rendered
        if index == self.index and ds is not None and index < len(ds) and path:
            self.show(index, path)

    def show(self, index: int, image_path: str | None) -> None:
        ds = self.window.session.dataset
        ex = self.window.state.explore
        name = os.path.basename(ds.items[index]) if ds.kind == "images" else ds.items[index]
        lines = [f"<b>{html.escape(name)}</b>", f"label: {html.escape(ds.labels[index])}"]
        if ex.clustering is not None and ex.clustering.n_points == len(ds):
            lines.append(f"cluster: {html.escape(ex.clustering.name_of(int(ex.clustering.labels[index])))}")
        if ex.trust is not None and len(ex.trust.recall) == len(ds):
            lines.append(f"kNN recall: {ex.trust.recall[index]:.2f}")
        img = ""
        if image_path:
            from urllib.parse import quote

            img = f"<img src='{quote(image_path)}' width='{HOVER_PX}'><br>"
        elif ds.kind == "images" or "thumb_file" in ds.meta:
            img = "<i>loading preview…</i><br>"
        self.html = img + "<br>".join(lines)
        QToolTip.showText(QCursor.pos(), self.html, self.window.map)


def install(features: Features) -> None:
    window = features.window
    layer = features.provide(ThumbnailLayer(window))
    window.map.addItem(layer, ignoreBounds=True)
    features.provide(HoverPreview(window))
    s = window.session

    def on_coords(final: bool) -> None:
        ds = s.dataset
        if ds is not None and ds.kind == "images":
            layer.set_items(ds.items, s.coords)
        elif ds is not None and "thumbs" in ds.meta:
            layer.set_items(ds.items, s.coords, ds.meta["thumbs"])
        else:
            layer.set_items([], None)

    s.coords_changed.connect(on_coords)
    s.dataset_changed.connect(lambda: layer.set_items([], None))
    window.map.viewbox.sigRangeChanged.connect(lambda *_: layer.schedule())
