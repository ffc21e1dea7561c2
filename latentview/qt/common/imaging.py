"""numpy ↔ Qt image conversion, and a thumbnail loader generator for the task runner."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(rgb))


def load_thumbnails(paths: list[str], size: int, chunk: int = 12):
    """Generator for the runner: yields Partial([(i, rgb)]) in chunks so a grid fills as it loads.

    Same disk thumbnail cache as the map's image layer: a second look is a small JPEG read."""
    from latentview.services.thumbnails import load_map_thumbnails

    return (yield from load_map_thumbnails(paths, range(len(paths)), size, chunk))
