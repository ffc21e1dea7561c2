"""Clusterings (labels, names, confidence, coarser levels) kept on disk beside the 2-D layouts, so a
second open of the same folder has its named map in seconds instead of running the UMAP-10 space,
HDBSCAN and the naming model again.

Keyed by everything the result depends on: the embeddings' bytes, shape and dtype; every clustering
parameter and the constants behind them; what the names are read from (the model reference, the
labels or the words); and VERSION, bumped when the algorithm changes. One `.npz` per entry, written
atomically (core.atomic) and read with allow_pickle=False; a damaged entry is moved aside (`.bad`) and
reported, so the caller computes again. The newest MAX_FILES are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from latentview.backends.array_files import npz_headers_at
from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_path

VERSION = 1
MAX_FILES = 200


class DamagedEntry(Exception):
    """A cache file that cannot be read back; it was moved aside. The message says why."""


def cluster_dir() -> Path:
    path = cache_dir() / "clusters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _hash_strings(h, values) -> None:
    """Feed a list of strings into `h` unambiguously (lengths first), in blocks: a million labels
    cost one join per block, not a call per string."""
    for start in range(0, len(values), 65_536):
        block = [str(v).encode("utf-8", "surrogateescape") for v in values[start : start + 65_536]]
        h.update(np.fromiter(map(len, block), np.int64, len(block)).tobytes())
        h.update(b"".join(block))


def cluster_key(embeddings: np.ndarray, settings: dict, names_from: list | None = None) -> str:
    """Hash of the embedding rows (order matters: labels are per row), every setting (JSON-able) and
    the strings names may be read from (labels or words)."""
    x = np.ascontiguousarray(embeddings)
    h = hashlib.blake2b(digest_size=20)
    h.update(
        json.dumps([VERSION, settings, list(x.shape), str(x.dtype)], sort_keys=True, default=str).encode()
    )
    h.update(memoryview(x).cast("B"))
    if names_from is not None:
        _hash_strings(h, names_from)
    return h.hexdigest()


def _path(key: str) -> Path:
    return cluster_dir() / f"{key}.npz"


def load_clustering(key: str, n: int) -> dict | None:
    """The stored entry as {"labels": (n,) int32, **fields}, or None when there is none. Raises
    DamagedEntry (after moving the file aside) when it cannot be read or does not fit n points."""
    path = _path(key)
    if not path.exists():
        return None
    try:
        npz_headers_at(str(path), ValueError)  # sizes checked before numpy allocates (array_files)
        with np.load(path, allow_pickle=False) as z:
            labels = np.asarray(z["labels"], np.int32)
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        if labels.shape != (n,) or not isinstance(meta, dict) or not isinstance(meta.get("names"), list):
            raise ValueError(f"it does not fit {n:,} points")
        if labels.size and int(labels.max()) >= len(meta["names"]):
            raise ValueError("a label has no name")
    except Exception as exc:
        _move_aside(path)
        raise DamagedEntry(f"{type(exc).__name__}: {exc}") from None
    try:
        os.utime(path)  # recently used: kept longest
    except OSError:
        pass
    return {"labels": labels, **meta}


def _move_aside(path: Path) -> None:
    try:
        os.replace(path, path.with_suffix(".bad"))
    except OSError:
        try:
            path.unlink()
        except OSError:
            pass


def store_clustering(key: str, labels: np.ndarray, meta: dict) -> bool:
    """Write one entry atomically (a crash or a full disk leaves the old state, never half a file).
    False when it could not be written: the cache only saves time, so that is not an error."""
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)
    try:
        with atomic_path(_path(key), errors=False) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, labels=np.asarray(labels, np.int32), meta=blob)
    except OSError:
        return False
    _prune()
    return True


def _prune() -> None:
    try:
        files = [p for p in cluster_dir().glob("*.npz") if not p.name.startswith(".")]  # not a temp file
        files.sort(key=lambda p: p.stat().st_mtime)
        for old in files[:-MAX_FILES]:
            old.unlink(missing_ok=True)
        for bad in sorted(cluster_dir().glob("*.bad"), key=lambda p: p.stat().st_mtime)[:-5]:
            bad.unlink(missing_ok=True)  # a few kept to look at, never a pile
    except OSError:
        pass
