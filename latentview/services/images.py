"""Image facts the window shows: the folder label of a file and a one-line description of it.

The Qt layer talks to services only (tests/test_layers.py); this is its door to backends.images,
plus the Inspector's focus details as a generator for the task runner.
"""

from __future__ import annotations

from latentview.backends.images import image_info, label_for
from latentview.core.progress import Partial

__all__ = ["focus_details", "image_info", "label_for"]


def focus_details(path: str, size: int):
    """Generator for the runner: the file's size/format line, then the picture (disk-cached)."""
    from latentview.services.thumbnails import thumbnail

    yield Partial(image_info(path), "info")
    yield Partial(thumbnail(path, size), "image")
