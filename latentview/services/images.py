"""Image facts the window shows: the folder label of a file and a one-line description of it."""

from __future__ import annotations

from latentview.backends.images import image_info, label_for

__all__ = ["image_info", "label_for"]
