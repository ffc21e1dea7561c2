"""Map thumbnails cached on disk (one small JPEG per image, keyed by path, size and mtime).

The map asks only for what is visible; a second look is a disk read, not a decode of the original.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_path
from latentview.core.progress import Partial, Progress

THUMB_VERSION = 1


def thumb_dir() -> Path:
    path = cache_dir() / "thumbnails"
    path.mkdir(parents=True, exist_ok=True)
    return path


def thumb_path(path: str, size: int) -> Path:
    try:
        st = os.stat(path)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "missing"
    key = hashlib.sha1(os.fsencode(path) + f"|{size}|{stamp}|{THUMB_VERSION}".encode()).hexdigest()
    return thumb_dir() / key[:2] / f"{key}.jpg"


def cached_thumbnail(path: str, size: int) -> str | None:
    try:
        p = thumb_path(path, size)
    except OSError:  # an unusable cache folder: no cached thumbnails
        return None
    return str(p) if p.exists() else None


def thumbnail(path: str, size: int) -> np.ndarray | None:
    """(h, w, 3) uint8 with the longer side `size`, from the disk cache or decoded once and cached."""
    from PIL import Image

    from latentview.backends.images import ImageLoadError, load_rgb

    try:
        p = thumb_path(path, size)
    except OSError:  # an unusable cache folder: decode, don't cache
        p = None
    if p is not None and p.exists():
        try:
            with Image.open(p) as im:
                return np.asarray(im.convert("RGB"))
        except OSError:
            pass
    try:
        rgb = load_rgb(path, size, crop=False)
    except ImageLoadError:
        return None
    if p is None:
        return rgb
    try:  # only a cache: a full disk or a read-only cache folder still shows the thumbnail
        p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(p, errors=False) as tmp:  # a unique temp name: threads never share one
            Image.fromarray(np.ascontiguousarray(rgb)).save(tmp, "JPEG", quality=88)
    except OSError:
        pass
    return rgb


def load_map_thumbnails(paths: list[str], indices, size: int, chunk: int = 8):
    """Generator for the runner: yields Partial([(index, rgb)]) in chunks; returns the count."""
    batch = []
    indices = list(indices)
    for n, i in enumerate(indices):
        batch.append((int(i), thumbnail(paths[int(i)], size)))
        if len(batch) >= chunk:
            yield Partial(batch)
            yield Progress(n + 1, len(indices), "Map thumbnails")
            batch = []
    if batch:
        yield Partial(batch)
    return len(indices)


def load_thumbnails(paths: list[str], size: int, chunk: int = 12):
    """Generator for the runner: yields Partial([(i, rgb)]) for every path in chunks, so a grid (the
    Inspector's) fills as it loads; the same disk cache as the map's image layer."""
    return (yield from load_map_thumbnails(paths, range(len(paths)), size, chunk))


def preview_steps(path: str, size: int):
    """Generator for the runner: the disk-cached thumbnail's path (decoded and cached if needed), for
    the hover preview; None when the image cannot be read."""
    yield Partial(None, "start")  # a cancellation point before the decode
    if cached_thumbnail(path, size) is None:
        thumbnail(path, size)
    return cached_thumbnail(path, size)
