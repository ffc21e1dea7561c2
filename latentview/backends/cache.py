"""Embedding cache: SQLite in the user's cache dir, keyed by (model, path) and checked by size+mtime.

One transaction per batch, so a cancelled or killed run leaves only whole rows and the next run
resumes where it stopped. Failures are cached too (same key), so a folder with bad files reopens fast.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir


@dataclass
class CachedEntry:
    embedding: np.ndarray | None
    error: str | None


def file_key(path: str) -> tuple[bytes, int, int]:
    st = os.stat(path)
    return os.fsencode(path), st.st_size, st.st_mtime_ns


class EmbeddingCache:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else cache_dir() / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: the cache is opened on the GUI thread's behalf but used by a
        # worker; each instance is only ever used by one thread at a time.
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, path BLOB, size INTEGER, "
            "mtime_ns INTEGER, dim INTEGER, vec BLOB, error TEXT, PRIMARY KEY (model, path))"
        )

    def lookup(self, model: str, keys: list[tuple[bytes, int, int]]) -> dict[bytes, CachedEntry]:
        """Entries whose size and mtime still match; stale rows are ignored (and later replaced)."""
        out: dict[bytes, CachedEntry] = {}
        wanted = {k[0]: k for k in keys}
        paths = list(wanted)
        for start in range(0, len(paths), 900):
            chunk = paths[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT path, size, mtime_ns, dim, vec, error FROM embeddings "
                f"WHERE model=? AND path IN ({marks})",
                [model, *chunk],
            )
            for path, size, mtime, dim, vec, error in rows:
                key = wanted[path]
                if (size, mtime) != (key[1], key[2]):
                    continue
                emb = np.frombuffer(vec, dtype=np.float32, count=dim) if vec is not None else None
                out[path] = CachedEntry(emb, error)
        return out

    def store(
        self,
        model: str,
        rows: list[tuple[tuple[bytes, int, int], np.ndarray | None, str | None]],
    ):
        """Write a batch atomically."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        model,
                        key[0],
                        key[1],
                        key[2],
                        0 if emb is None else int(emb.shape[0]),
                        None if emb is None else np.asarray(emb, np.float32).tobytes(),
                        error,
                    )
                    for key, emb, error in rows
                ],
            )

    def count(self, model: str | None = None) -> int:
        if model is None:
            return self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM embeddings WHERE model=?", [model]).fetchone()[0]

    def close(self) -> None:
        self._db.close()
