"""The one mechanism for background work: run a service generator in a QThread.

Generators yield Progress / Partial / Log; cancellation is checked at every yield (the generator is
closed there, so its `finally` blocks keep caches consistent). A new task with the same key cancels the
old one and the old one's results are dropped: the newest request wins.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal

from latentview.core.errors import UserError, user_message
from latentview.core.progress import Log, Partial, Progress

__all__ = ["TaskRunner", "user_message"]  # user_message lives in core.errors; kept importable here


class _TaskThread(QThread):
    progress = Signal(object)
    partial = Signal(object)
    log = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, factory: Callable, parent=None):
        super().__init__(parent)
        self._factory = factory
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def run(self) -> None:
        try:
            gen = self._factory()
            while True:
                if self._cancel:
                    gen.close()
                    self.cancelled.emit()
                    return
                try:
                    event = next(gen)
                except StopIteration as stop:
                    if self._cancel:
                        self.cancelled.emit()
                    else:
                        self.succeeded.emit(stop.value)
                    return
                if isinstance(event, Progress):
                    self.progress.emit(event)
                elif isinstance(event, Partial):
                    self.partial.emit(event)
                elif isinstance(event, Log):
                    self.log.emit(event)
        except BaseException as exc:
            if not isinstance(exc, UserError):
                traceback.print_exc(file=sys.stderr)
            self.failed.emit(user_message(exc))


@dataclass
class _Callbacks:
    on_result: Callable | None
    on_partial: Callable | None
    on_error: Callable | None
    title: str
    on_exit: Callable | None = None


class TaskRunner(QObject):
    """Lives in the GUI thread; every callback is invoked there."""

    started = Signal(str, str)  # key, title
    progressed = Signal(str, object)  # key, Progress
    finished = Signal(str, str)  # key, outcome: "ok" | "error" | "cancelled"
    logged = Signal(str, object)  # key, Log

    def __init__(self, parent=None):
        super().__init__(parent)
        self._current: dict[str, _TaskThread] = {}
        self._all: set[_TaskThread] = set()
        self._info: dict[_TaskThread, tuple[str, _Callbacks]] = {}

    def submit(
        self,
        key: str,
        fn: Callable,
        *args,
        on_result: Callable | None = None,
        on_partial: Callable | None = None,
        on_error: Callable | None = None,
        title: str = "",
        on_exit: Callable | None = None,
        **kwargs,
    ) -> _TaskThread:
        """Run `fn(*args, **kwargs)` (a generator) in a new thread. `on_exit()` runs in the GUI thread
        once the thread has ended, whatever the outcome — also after a cancel, when the task has
        really stopped (for callers that keep at most one task running)."""
        self.cancel(key)
        thread = _TaskThread(lambda: fn(*args, **kwargs))
        # Bound methods of this GUI-thread object, not lambdas: a lambda would run in the worker.
        self._info[thread] = (
            key,
            _Callbacks(on_result, on_partial, on_error, title or key, on_exit),
        )
        thread.progress.connect(self._on_progress)
        thread.partial.connect(self._on_partial)
        thread.log.connect(self._on_log)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        thread.cancelled.connect(self._on_cancelled)
        thread.finished.connect(self._reap)
        self._current[key] = thread
        self._all.add(thread)
        self.started.emit(key, self._info[thread][1].title)
        thread.start()
        return thread

    def is_running(self, key: str | None = None) -> bool:
        if key is None:
            return bool(self._current)
        return key in self._current

    def running(self) -> list[str]:
        """Keys of the tasks running now (oldest first)."""
        return list(self._current)

    def cancel(self, key: str) -> None:
        thread = self._current.pop(key, None)
        if thread is not None:
            thread.cancel()
            self.finished.emit(key, "cancelled")

    def cancel_all(self) -> None:
        for key in list(self._current):
            self.cancel(key)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the threads (no dangling threads at exit)."""
        self.cancel_all()
        ok = True
        for thread in list(self._all):
            ok &= thread.wait(timeout_ms)
        return ok

    # --- slots, all in the GUI thread -------------------------------------------------------
    def _live(self):
        """(key, callbacks) of the sending thread if it is still the current one for its key."""
        thread = self.sender()
        key, cbs = self._info.get(thread, (None, None))
        if key is None or self._current.get(key) is not thread:
            return None, None, thread
        return key, cbs, thread

    def _on_progress(self, progress):
        key, _, _ = self._live()
        if key is not None:
            self.progressed.emit(key, progress)

    def _on_partial(self, partial):
        key, cbs, _ = self._live()
        if key is not None and cbs.on_partial:
            cbs.on_partial(partial)

    def _on_log(self, entry):
        key, _, thread = self._live()
        if key is None and thread in self._info:
            key = self._info[thread][0]
        self.logged.emit(key or "", entry)

    def _on_succeeded(self, value):
        self._done("ok", value)

    def _on_failed(self, message):
        self._done("error", message)

    def _on_cancelled(self):
        self._done("cancelled", None)

    def _done(self, outcome, value):
        key, cbs, _ = self._live()
        if key is None:
            return  # superseded or cancelled: drop stale results
        del self._current[key]
        self.finished.emit(key, outcome)
        if outcome == "ok" and cbs.on_result:
            cbs.on_result(value)
        elif outcome == "error":
            if cbs.on_error:
                cbs.on_error(value)
            else:
                self.logged.emit(key, Log(f"{cbs.title} failed: {value}", "error"))

    def _reap(self):
        thread = self.sender()
        self._all.discard(thread)
        _key, cbs = self._info.pop(thread, (None, None))
        thread.deleteLater()
        if cbs is not None and cbs.on_exit:
            cbs.on_exit()
