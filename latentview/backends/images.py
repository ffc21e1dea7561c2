"""Finding and decoding images from the wild: every failure becomes a one-line reason, never a crash."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

IMAGE_EXTENSIONS = {
    ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm",
    ".tga", ".ico", ".jfif",
}  # fmt: skip


class ImageLoadError(Exception):
    """Raised with a short, user-facing reason. `transient`: the file may read fine next time
    (permission denied, vanished), so the failure must not be cached."""

    def __init__(self, reason: str, transient: bool = False):
        super().__init__(reason)
        self.transient = transient


@dataclass
class ScanResult:
    files: list[str]  # sorted, absolute
    problems: list[tuple[str, str]]  # (path, reason) for folders or links that could not be followed


def scan_images(root: str) -> ScanResult:
    """Recursive, follows directory symlinks once each (loops are reported, not followed).

    Iterative (an explicit stack, not os.walk's recursion), so a tree thousands of folders deep is
    scanned like any other."""
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    seen_dirs: set[tuple[int, int]] = set()  # (device, inode): one stat, where realpath costs O(depth)
    root = os.path.abspath(root)
    stack = [root]
    while stack:
        dirpath = stack.pop()
        try:
            st = os.stat(dirpath)
        except OSError as err:
            problems.append((dirpath, f"cannot read folder: {err.strerror or err}"))
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            problems.append((dirpath, "symlink loop: folder already scanned"))
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError as err:
            problems.append((err.filename or dirpath, f"cannot read folder: {err.strerror or err}"))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks, like os.walk(followlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(entry.path)
            elif os.path.splitext(entry.name)[1].lower() in IMAGE_EXTENSIONS:
                if os.path.isfile(entry.path):
                    files.append(entry.path)
                else:
                    problems.append((entry.path, "broken link or not a regular file"))
        stack.extend(sorted(subdirs, reverse=True))  # popped in name order
    files.sort()
    return ScanResult(files, problems)


def label_for(path: str, root: str, depth: int = 1) -> str:
    """The sub-folder under `root` names the label: its first level (depth 1, the default) or the whole
    relative folder path (depth 0, e.g. 'cats/indoor'); files at the top are '(root)'."""
    rel = os.path.relpath(os.path.dirname(path), root)
    if rel in (".", ""):
        return "(root)"
    parts = rel.split(os.sep)
    return "/".join(parts if depth <= 0 else parts[:depth])


def _to_rgb(img):
    """Convert any Pillow mode to 8-bit RGB without the traps (16-bit clipping, black floats, alpha)."""
    from PIL import Image

    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)
        lo, hi = np.nanpercentile(arr, [0.5, 99.5]) if arr.size else (0.0, 1.0)
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        arr = np.clip((np.nan_to_num(arr) - lo) * scale, 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, img).convert("RGB")
    if mode != "RGB":
        return img.convert("RGB")
    return img


MAX_ASPECT = 100  # longer side / shorter side; beyond this an image is refused (a strip, not a picture)
MAX_RESIZED_PIXELS = 4  # × size²: a resize that would make more pixels is done on the centre crop only


def _check_shape(wh: tuple[int, int]) -> None:
    w, h = wh
    if w < 1 or h < 1:
        raise ImageLoadError("image has no pixels")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise ImageLoadError(
            f"refused: extreme aspect ratio {w}×{h} (more than {MAX_ASPECT}:1), not a picture to embed"
        )


def load_rgb(path: str, size: int = 224, crop: bool = True) -> np.ndarray:
    """Decode to (size, size, 3) uint8: shorter side to `size`, centre crop (or pad when crop=False).

    JPEGs decode at reduced scale (draft mode), which is most of the speed on large photos.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        if os.path.getsize(path) == 0:
            raise ImageLoadError("empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_shape(img.size)  # before decoding: a 1×20000 strip is refused at once
                if img.format == "JPEG":
                    # Decode at 1/2…1/8 scale while both sides stay ≥ size: ~2–6× faster on photos.
                    img.draft("RGB", (size, size))
                img.load()
                img = ImageOps.exif_transpose(img)
                img = _to_rgb(img)
                w, h = img.size
                if w < 1 or h < 1:
                    raise ImageLoadError("image has no pixels")
                scale = size / min(w, h) if crop else size / max(w, h)
                nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
                box = None
                if nw * nh > MAX_RESIZED_PIXELS * size * size:
                    # Long panoramas: resize only the centre square that the crop keeps, so memory is
                    # bounded by the output (the whole strip scaled up once took 9.6 GB).
                    s = min(w, h)
                    box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
                    nw = nh = size
                img = img.resize((nw, nh), Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
                arr = np.asarray(img, dtype=np.uint8)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(f"refused: too many pixels (decompression bomb?) — {exc}") from None
    except UnidentifiedImageError:
        raise ImageLoadError("not an image, or a format Pillow cannot read") from None
    except PermissionError:
        raise ImageLoadError("permission denied", transient=True) from None
    except FileNotFoundError:
        raise ImageLoadError("file disappeared", transient=True) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageLoadError(f"corrupt or truncated image: {msg}") from None
    except MemoryError:
        raise ImageLoadError("image too large to decode in memory") from None
    if crop:
        y0, x0 = (arr.shape[0] - size) // 2, (arr.shape[1] - size) // 2
        return np.ascontiguousarray(arr[y0 : y0 + size, x0 : x0 + size])
    out = np.full((size, size, 3), 255, dtype=np.uint8)
    y0, x0 = (size - arr.shape[0]) // 2, (size - arr.shape[1]) // 2
    out[y0 : y0 + arr.shape[0], x0 : x0 + arr.shape[1]] = arr
    return out


def image_info(path: str) -> str:
    """'1024×768 JPEG, 245 KB' for the inspector; never raises."""
    from PIL import Image

    try:
        nbytes = os.path.getsize(path)
        with Image.open(path) as img:
            return f"{img.size[0]}×{img.size[1]} {img.format or ''}, {_human_bytes(nbytes)}"
    except Exception as exc:
        return f"unreadable ({type(exc).__name__})"


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
