"""2-D layouts (UMAP, t-SNE) kept on disk beside the embeddings cache, so reopening the same folder
shows its final map at once instead of fitting UMAP again.

Keyed by the embeddings themselves (a hash of their bytes, shape and dtype) and the method with its
resolved parameters: the same set of images under the same model and settings hits, any change
misses. Files are plain `.npy` (read with allow_pickle=False), written atomically; a damaged one is a
miss and is removed. The newest MAX_FILES are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from latentview.backends.array_files import npy_header
from latentview.backends.paths import cache_dir

VERSION = 1
MAX_FILES = 300


def layout_dir() -> Path:
    path = cache_dir() / "layouts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def layout_key(embeddings: np.ndarray, method: str, params: dict) -> str:
    """Hash of the embedding set and the projection settings (order of rows matters: it is the map's)."""
    x = np.ascontiguousarray(embeddings)
    h = hashlib.blake2b(digest_size=20)
    h.update(json.dumps([VERSION, method, sorted(params.items()), list(x.shape), str(x.dtype)]).encode())
    h.update(memoryview(x).cast("B"))
    return h.hexdigest()


def load_layout(key: str, n: int) -> np.ndarray | None:
    path = layout_dir() / f"{key}.npy"
    if not path.exists():
        return None
    try:
        npy_header(str(path), ValueError)  # sizes checked before numpy allocates (array_files)
        coords = np.load(path, allow_pickle=False)
        if coords.shape != (n, 2) or not np.all(np.isfinite(coords)):
            raise ValueError("wrong shape")
        os.utime(path)  # recently used: kept longest
        return coords.astype(np.float32)
    except Exception:
        path.unlink(missing_ok=True)  # damaged: compute again
        return None


def store_layout(key: str, coords: np.ndarray) -> None:
    folder = layout_dir()
    tmp = folder / f".{key}.{os.getpid()}.tmp.npy"
    try:
        np.save(tmp, np.asarray(coords, np.float32), allow_pickle=False)
        os.replace(tmp, folder / f"{key}.npy")
    except OSError:
        tmp.unlink(missing_ok=True)  # a full or read-only disk costs only the next reopen's speed
        return
    files = sorted(folder.glob("*.npy"), key=lambda p: p.stat().st_mtime)
    for old in files[:-MAX_FILES]:
        old.unlink(missing_ok=True)
