"""The base of every error whose message is a sentence meant for the user (no traceback shown), and the
one guard that turns any exception into such a sentence (GUI message boxes, the CLI, the task runner)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable


class UserError(Exception):
    """Raise with a complete sentence: what went wrong and, where possible, what to do."""


def user_message(exc: BaseException) -> str:
    """One sentence for the user; UserError subclasses already carry one."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted."
    if isinstance(exc, RecursionError):
        return "The structure is nested too deeply to process."
    if isinstance(exc, MemoryError):
        return "Not enough memory for this operation."
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {os.fsencode(exc.filename).decode('utf-8', 'replace')}" if exc.filename else ""
        return f"{exc.strerror}{where}."
    if isinstance(exc, (ValueError, OSError)) and str(exc):
        return str(exc).splitlines()[0]
    return f"Unexpected error ({type(exc).__name__}): {exc}".splitlines()[0]


class ErrorGuard:
    """`with guard(report):` — an exception inside becomes one call `report(sentence)` and is swallowed.

    `error` holds the sentence afterwards (None when the block succeeded), so callers can return a
    status. Unexpected (non-UserError) exceptions also print their traceback on stderr when
    `LATENTVIEW_DEBUG` is set, or always when `traceback_on_unexpected`."""

    def __init__(self, report: Callable[[str], None], catch: tuple = (Exception,),
                 traceback_on_unexpected: bool = False):  # fmt: skip
        self.report = report
        self.catch = catch
        self.traceback = traceback_on_unexpected
        self.error: str | None = None

    def __enter__(self) -> ErrorGuard:
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or not isinstance(exc, self.catch):
            return False
        if not isinstance(exc, UserError) and (self.traceback or os.environ.get("LATENTVIEW_DEBUG")):
            traceback.print_exception(kind, exc, tb, file=sys.stderr)
        self.error = user_message(exc)
        self.report(self.error)
        return True


def guard(report: Callable[[str], None], catch: tuple = (Exception,),
          traceback_on_unexpected: bool = False) -> ErrorGuard:  # fmt: skip
    return ErrorGuard(report, catch, traceback_on_unexpected)


class CodeTrustRequired(UserError):
    """A file that can run code (a pickle, TorchScript) was asked for without the user's consent.

    `path` and `kind` let a window ask ("this file can run code — open it?") and retry; a command
    line prints the sentence, which names `--trust-code`.
    """

    def __init__(self, path: str, kind: str, name: str):
        self.path, self.kind = path, kind
        super().__init__(
            f"“{name}” is a {kind}, which can run code on this computer when opened: open it only if "
            "you trust where it came from (confirm in the window, or pass --trust-code on the command line)."
        )
