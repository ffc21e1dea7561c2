"""The map as a picture: PNG at twice the screen's size (legend and names scaled with the points) or SVG
with every visible point a vector circle (up to SVG_MAX_POINTS; above, the points are one embedded
image and the Log says so)."""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from latentview.qt.map.point_cloud import PointCloudItem

SVG_MAX_POINTS = 50_000
PNG_SCALE = 2


def export_map_image(view, path: str) -> str:
    """Write `path` (.png or .svg) from the map widget; returns a sentence for the Log."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".svg":
        return _svg(view, path)
    if ext != ".png":
        raise ValueError("Use a .png or .svg file name for the map image.")
    w, h = view.width(), view.height()
    img = QImage(w * PNG_SCALE, h * PNG_SCALE, QImage.Format_ARGB32)
    img.fill(Qt.white)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    # The whole scene — points, names, legend, axes — rendered into a target twice the size. Points are
    # drawn in device pixels, so their size is doubled for the render too.
    clouds = [it for it in view.viewbox.addedItems if isinstance(it, PointCloudItem)]
    sizes = [c._size for c in clouds]
    try:
        for c, size in zip(clouds, sizes):
            c.set_size(size * PNG_SCALE)
        view.render(painter, QRectF(0, 0, w * PNG_SCALE, h * PNG_SCALE), QRect(0, 0, w, h))
    finally:
        painter.end()
        for c, size in zip(clouds, sizes):
            c.set_size(size)
    if not img.save(path + ".part", "PNG"):
        raise OSError(f"Could not write {path}.")
    os.replace(path + ".part", path)
    return f"Map image saved to {path} ({img.width()}×{img.height()} px)"


def _svg(view, path: str) -> str:
    from PySide6.QtSvg import QSvgGenerator

    clouds = [it for it in view.viewbox.addedItems if isinstance(it, PointCloudItem) and it.isVisible()]
    (x0, x1), (y0, y1) = view.viewbox.viewRange()
    n_visible = sum(int(_visible(c.xy, x0, x1, y0, y1).sum()) for c in clouds)
    vectors = n_visible <= SVG_MAX_POINTS
    stand_ins = []
    if vectors:
        for cloud in clouds:
            stand_in = VectorPoints(cloud)
            stand_in.setOpacity(cloud.opacity())  # faded points stay faded beside a selection
            view.viewbox.addItem(stand_in, ignoreBounds=True)
            cloud.setVisible(False)
            stand_ins.append((cloud, stand_in))
    gen = QSvgGenerator()
    gen.setFileName(path + ".part")
    gen.setSize(view.size())
    gen.setViewBox(QRect(0, 0, view.width(), view.height()))
    gen.setTitle("latentview map")
    painter = QPainter(gen)
    try:
        view.render(painter)
    finally:
        painter.end()
        for cloud, stand_in in stand_ins:
            view.viewbox.removeItem(stand_in)
            cloud.setVisible(True)
    os.replace(path + ".part", path)
    if vectors:
        return f"Map SVG saved to {path} ({n_visible:,} points as vector circles)"
    return (f"Map SVG saved to {path}: {n_visible:,} visible points are more than {SVG_MAX_POINTS:,}, so "
            "they are one embedded image (zoom in for vector circles)")  # fmt: skip


def _visible(xy: np.ndarray, x0, x1, y0, y1) -> np.ndarray:
    if not len(xy):
        return np.zeros(0, bool)
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


class VectorPoints(pg.GraphicsObject):
    """A PointCloudItem's points as circles (one drawEllipse each), for vector output only."""

    def __init__(self, cloud: PointCloudItem):
        super().__init__()
        self.setZValue(cloud.zValue())
        # The cloud's drawing state (read-only here): positions, colour codes, palette, size, style.
        self._xy, self._codes, self._colors = cloud.xy, cloud._codes, cloud._colors
        self._size, self._ring, self._outline = cloud._size, cloud._ring, cloud._outline
        self._rect = cloud.boundingRect()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, p: QPainter, *args) -> None:
        if not len(self._xy):
            return
        t = p.transform()
        px = self._xy[:, 0] * t.m11() + t.m31()
        py = self._xy[:, 1] * t.m22() + t.m32()
        dev = p.device()
        m = self._size
        vis = np.flatnonzero((px > -m) & (px < dev.width() + m) & (py > -m) & (py < dev.height() + m))
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.Antialiasing)
        r = self._size / 2
        codes = self._codes[vis] if len(self._codes) == len(self._xy) else np.zeros(len(vis), int)
        for code in np.unique(codes):
            colour = self._colors[int(code) % len(self._colors)] if self._colors else QColor("gray")
            if self._ring:
                p.setPen(QPen(colour, 2.0))
                p.setBrush(Qt.NoBrush)
            else:
                p.setPen(QPen(self._outline, 0.8) if self._outline is not None else Qt.NoPen)
                p.setBrush(colour)
            for i in vis[codes == code]:
                p.drawEllipse(QRectF(px[i] - r, py[i] - r, 2 * r, 2 * r))
        p.restore()
