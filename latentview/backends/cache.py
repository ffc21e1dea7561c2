"""Embedding cache: SQLite in the user's cache dir, keyed by (model, path) and checked by size+mtime.

One transaction per batch, so a cancelled or killed run leaves only whole rows and the next run
resumes where it stopped. Failures are cached too, with the file's full signature (size, mtime and
ctime, so a chmod or a restored copy retries them), so a folder with bad files reopens fast.

It is only a cache: no fault of it ever stops a run. A damaged or foreign file is moved aside and a
fresh one started; a locked one (after a short wait), a read-only one, a full disk or an unwritable
folder mean this run goes on without it (or without writing to it). Each fault is described once in
`notes`, for the caller to show the user.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.textsafe import display_path

BUSY_TIMEOUT = 2.0  # seconds to wait for another program's lock before going on without the cache
COLUMNS = ("model", "path", "size", "mtime_ns", "dim", "vec", "error", "ctime_ns")
_CREATE = (
    "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, path BLOB, size INTEGER, mtime_ns INTEGER, "
    "dim INTEGER, vec BLOB, error TEXT, ctime_ns INTEGER, PRIMARY KEY (model, path))"
)

FileKey = tuple[bytes, int, int, int]  # path, size, mtime_ns, ctime_ns


@dataclass
class CachedEntry:
    embedding: np.ndarray | None
    error: str | None


def file_key(path: str) -> FileKey:
    st = os.stat(path)
    return os.fsencode(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns


class _Damaged(Exception):
    """The file is not our cache (garbage, truncated, another schema): move it aside."""


def fault_kind(exc: BaseException) -> str:
    """'damaged', 'busy', 'readonly', 'full' or 'unavailable', from SQLite's error code or message."""
    if isinstance(exc, _Damaged):
        return "damaged"
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_FORMAT")) or "not a database" in text \
            or "malformed" in text:  # fmt: skip
        return "damaged"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "busy"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "readonly"
    if name.startswith("SQLITE_FULL") or "disk is full" in text or "no space" in text:
        return "full"
    return "unavailable"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class EmbeddingCache:
    """Never raises for a fault of its own; see the module docstring."""

    def __init__(self, path: Path | None = None):
        self.notes: list[str] = []  # one sentence per fault, for the user
        self.writable = True
        self._db: sqlite3.Connection | None = None
        self._noted: set[str] = set()
        try:
            self.path = Path(path) if path else cache_dir() / "embeddings.sqlite"
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.path = Path(path or "embeddings.sqlite")
            where = display_path(str(exc.filename)) + " " if exc.filename else ""
            self._note("unavailable", f"cannot use the cache folder {where}({_reason(exc)}); "
                                      "this run does not use it")  # fmt: skip
            return
        self._open()

    # --- opening -------------------------------------------------------------------------
    @property
    def usable(self) -> bool:
        return self._db is not None

    def _connect(self, read_only: bool = False) -> sqlite3.Connection:
        # check_same_thread=False: the cache is opened on the GUI thread's behalf but used by a
        # worker; each instance is only ever used by one thread at a time.
        if read_only:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)
        else:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False)
        try:
            if not read_only:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_CREATE)
            self._check_schema(db, read_only)
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _check_schema(db: sqlite3.Connection, read_only: bool) -> None:
        cols = tuple(row[1] for row in db.execute("PRAGMA table_info(embeddings)"))
        if cols == COLUMNS[:-1] and not read_only:  # a cache from before failures kept their ctime
            with db:
                db.execute("ALTER TABLE embeddings ADD COLUMN ctime_ns INTEGER")
        elif cols != COLUMNS and not (read_only and cols == COLUMNS[:-1]):
            raise _Damaged(f"unexpected columns {', '.join(cols) or '(no embeddings table)'}")

    def _open(self) -> None:
        try:
            self._db = self._connect()
            return
        except (sqlite3.Error, OSError, _Damaged) as exc:
            kind = fault_kind(exc)
            first = exc
        if kind == "damaged":
            self._replace_damaged(first)
        elif kind == "readonly":
            self._open_read_only(first)
        elif kind == "busy":
            self._note("busy", f"it is locked by another program (waited {BUSY_TIMEOUT:.0f} s); "
                               "this run does not use it")  # fmt: skip
        else:
            self._note("unavailable", f"cannot open {display_path(str(self.path))} ({_reason(first)}); "
                                      "this run does not use it")  # fmt: skip

    def _open_read_only(self, exc: BaseException) -> None:
        self.writable = False
        try:
            self._db = self._connect(read_only=True)
            self._note("readonly", f"it is read-only ({_reason(exc)}); cached embeddings are used but new "
                                   "ones are not kept")  # fmt: skip
        except (sqlite3.Error, OSError, _Damaged) as exc2:
            self._note("unavailable", f"it is read-only and cannot be read ({_reason(exc2)}); "
                                      "this run does not use it")  # fmt: skip

    def _replace_damaged(self, exc: BaseException) -> None:
        """Move the bad file (and its WAL/SHM companions) aside and start a fresh cache."""
        if self._db is not None:
            self._db.close()
            self._db = None
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            for ext in ("-wal", "-shm"):
                companion = Path(str(self.path) + ext)
                if companion.exists():
                    os.replace(companion, Path(str(aside) + ext))
            self._db = self._connect()
        except (sqlite3.Error, OSError, _Damaged) as exc2:
            self._db = None
            self._note("damaged", f"the file is damaged ({_reason(exc)}) and could not be replaced "
                                  f"({_reason(exc2)}); this run does not use it")  # fmt: skip
            return
        self._note("damaged", f"the file was damaged ({_reason(exc)}); it was moved aside to "
                              f"{aside.name} and a fresh cache started")  # fmt: skip

    def _note(self, kind: str, text: str) -> None:
        if kind not in self._noted:
            self._noted.add(kind)
            self.notes.append(f"Embedding cache: {text}.")

    def take_notes(self) -> list[str]:
        """The sentences added since the last call (each fault is described once per instance)."""
        out, self.notes = self.notes, []
        return out

    def _fault(self, exc: BaseException, doing: str) -> None:
        """A fault while in use: damaged → fresh file; read-only, full or locked → stop writing."""
        kind = fault_kind(exc)
        if kind == "damaged":
            self._replace_damaged(exc)
        elif doing == "write":
            self.writable = False
            what = {"full": "the disk is full", "busy": "it is locked by another program",
                    "readonly": "it is read-only"}.get(kind, _reason(exc))  # fmt: skip
            self._note(f"write-{kind}", f"{what}; new embeddings of this run are not kept")
        else:
            self._note(f"read-{kind}", f"cannot be read ({_reason(exc)}); this run does not use it")
            self.close()

    # --- reading and writing ------------------------------------------------------------------
    def lookup(self, model: str, keys: list[FileKey], retry_failed: bool = False) -> dict[bytes, CachedEntry]:
        """Entries whose signature still matches; stale rows are ignored (and later replaced).

        Embeddings match on size + mtime; failures also on ctime, so a file whose permissions were
        fixed, or that was restored with its old mtime, is tried again. `retry_failed` ignores
        every cached failure. A damaged row is skipped (and re-embedded)."""
        if self._db is None:
            return {}
        try:
            return self._lookup(model, keys, retry_failed)
        except (sqlite3.Error, OSError) as exc:
            self._fault(exc, "read")
            return {}

    def _lookup(self, model: str, keys: list[FileKey], retry_failed: bool) -> dict[bytes, CachedEntry]:
        out: dict[bytes, CachedEntry] = {}
        wanted = {k[0]: k for k in keys}
        paths = list(wanted)
        bad = 0
        for start in range(0, len(paths), 900):
            chunk = paths[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT path, size, mtime_ns, dim, vec, error, ctime_ns FROM embeddings "
                f"WHERE model=? AND path IN ({marks})",
                [model, *chunk],
            )
            for row in rows:
                try:
                    entry = _entry(row, wanted[row[0]], retry_failed)
                except (TypeError, ValueError, KeyError):
                    bad += 1
                    continue
                if entry is not None:
                    out[row[0]] = entry
        if bad:
            self._note("rows", f"{bad} damaged entr{'y was' if bad == 1 else 'ies were'} ignored and "
                               "will be embedded again")  # fmt: skip
        return out

    def store(self, model: str, rows: list[tuple[FileKey, np.ndarray | None, str | None]]):
        """Write a batch atomically (or, after a fault, not at all: see `notes`)."""
        if self._db is None or not self.writable or not rows:
            return
        values = [
            (model, key[0], key[1], key[2], 0 if emb is None else int(emb.shape[0]),
             None if emb is None else np.asarray(emb, np.float32).tobytes(), error,
             key[3] if len(key) > 3 else None)
            for key, emb, error in rows
        ]  # fmt: skip
        try:
            with self._db:
                self._executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?,?,?,?,?)", values)
        except (sqlite3.Error, OSError) as exc:
            self._fault(exc, "write")

    def _executemany(self, sql: str, values: list) -> None:
        self._db.executemany(sql, values)

    def count(self, model: str | None = None) -> int:
        if self._db is None:
            return 0
        if model is None:
            return self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM embeddings WHERE model=?", [model]).fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None


def _entry(row, key: FileKey, retry_failed: bool) -> CachedEntry | None:
    """The cached entry of one row if it is still valid for `key`; raises on a damaged row."""
    _path, size, mtime, dim, vec, error, ctime = row
    if (int(size), int(mtime)) != (key[1], key[2]):
        return None
    if vec is None:
        if retry_failed or ctime is None or (len(key) > 3 and int(ctime) != key[3]):
            return None
        return CachedEntry(None, str(error or "unreadable"))
    dim = int(dim)
    if dim <= 0 or not isinstance(vec, bytes) or len(vec) != 4 * dim:
        raise ValueError("damaged row")
    emb = np.frombuffer(vec, dtype=np.float32, count=dim)
    if not np.isfinite(emb).all():
        raise ValueError("damaged row")
    return CachedEntry(emb, None)
