"""Atomic file writes: every output is written to a temp file beside it and renamed into place.

A crash, a full disk or an exception leaves either the old file or the new one, never a partial one,
and never a stray temp file (it is removed on failure). Temp names come from `mkstemp`, so two
threads or processes writing the same target never share one (a pid alone is not unique enough).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from latentview.core.errors import UserError


class OutputError(UserError, OSError):
    """An output could not be written (full disk, no permission, missing folder): says which and why.

    Also an OSError, so callers that treat a failed write as an OSError keep working."""


_umask: int | None = None
_umask_lock = threading.Lock()


def _default_mode() -> int:
    """0o666 minus the process umask: what `open(path, "w")` would have given (mkstemp gives 0o600)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = _read_umask()
    return 0o666 & ~_umask


def _read_umask() -> int:
    """From /proc where it is (no change to the process-wide umask); else set and restore it once."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _describe(path: str) -> str:
    return os.fsencode(path).decode("utf-8", "replace")


def output_error(path: str, exc: OSError) -> OutputError:
    """One sentence naming the real target (not the temp file) and the reason."""
    if isinstance(exc, OutputError):
        return exc
    reason = exc.strerror or str(exc).splitlines()[0] or type(exc).__name__
    err = OutputError(f"Cannot write {_describe(path)}: {reason}.")
    err.errno = exc.errno
    return err


def temp_beside(path: str | os.PathLike, suffix: str | None = None) -> str:
    """Create an empty temp file in `path`'s folder (hidden, unique) and return its name.

    The suffix defaults to the target's extension, so libraries that choose a format by name (numpy's
    .npz, Pillow) write the same format."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    ext = os.path.splitext(name)[1] if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".part{ext}", dir=folder)
    os.close(fd)
    return tmp


def _discard(tmp: str) -> None:
    try:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.unlink(tmp)
    except OSError:
        pass


def check_writable(path: str | os.PathLike) -> None:
    """Raise `OutputError` now if `path` cannot be written (missing or read-only folder, a folder of
    that name), before minutes of work are spent on its contents."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise OutputError(f"Cannot write {_describe(path)}: it is a folder.")
    try:
        os.unlink(temp_beside(path))
    except OSError as exc:
        raise output_error(path, exc) from None


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None, errors: bool = True) -> Iterator[str]:
    """Yield a temp file name beside `path`; rename it over `path` when the block succeeds.

    On any exception the temp file is removed; an OSError becomes an `OutputError` naming `path`
    (`errors=False` re-raises it unchanged). The new file gets the mode the old one had, or the usual
    0o666 minus umask."""
    path = os.fspath(path)
    try:
        tmp = temp_beside(path, suffix)
    except OSError as exc:
        raise (output_error(path, exc) if errors else exc) from None
    try:
        yield tmp
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = _default_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        if errors:
            raise output_error(path, exc) from None
        raise
    except BaseException:
        _discard(tmp)
        raise


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", errors: bool = True, **kwargs):
    """`open()` for writing, atomically: yields the file object of a temp file renamed on success."""
    with atomic_path(path, errors=errors) as tmp:
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8", errors: bool = True) -> None:
    with atomic_open(path, "w", errors=errors, encoding=encoding) as fh:
        fh.write(text)


@contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[str]:
    """Yield a fresh temp folder beside `path`; on success it replaces `path` (an old folder of that
    name is removed first). On failure the temp folder is removed and the error re-raised."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        yield tmp
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
