"""numpy ↔ Qt image conversion, and a thumbnail loader generator for the task runner."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap

from latentview.core.progress import Partial, Progress


def to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(rgb))


def load_thumbnails(paths: list[str], size: int, chunk: int = 12):
    """Generator for the runner: yields Partial([(i, rgb)]) in chunks so the grid fills as it loads."""
    from latentview.backends.images import ImageLoadError, load_rgb

    batch = []
    for i, path in enumerate(paths):
        try:
            batch.append((i, load_rgb(path, size, crop=False)))
        except ImageLoadError:
            batch.append((i, None))
        if len(batch) >= chunk:
            yield Partial(batch)
            yield Progress(i + 1, len(paths), "Thumbnails")
            batch = []
    if batch:
        yield Partial(batch)
    return len(paths)
