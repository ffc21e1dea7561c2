"""The hover preview's image loader: one worker at a time, debounced, the newest request wins.

Moving the mouse across a dense map hovers dozens of points a second. Each request waits DELAY_MS
(a hover that moves on never starts a decode); at most one decode runs, on the task runner; a newer
request replaces the waiting one, and moving the hover cancels the one in flight (its result is
dropped). So a mouse sweep costs at most one decode in flight plus the last point's.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from latentview.services.thumbnails import preview_steps  # looked up here at each request: tests swap it

DELAY_MS = 80
KEY = "hover-thumb"


class HoverLoader(QObject):
    loaded = Signal(int, object)  # point index, thumbnail path (None: could not be read)

    def __init__(self, runner, size: int, delay_ms: int = DELAY_MS, parent=None):
        super().__init__(parent)
        self.runner, self.size = runner, size
        self._wanted: tuple[int, str] | None = None
        self._busy = False
        self.started = 0  # decodes started (tests check the bound)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, index: int, path: str) -> None:
        """Load `path` for point `index` after the debounce delay, replacing any waiting request."""
        if self._busy:
            self.runner.cancel(KEY)  # the hover moved: drop the one in flight
        self._wanted = (index, path)
        self._timer.start()

    def cancel(self) -> None:
        self._wanted = None
        self._timer.stop()
        if self._busy:
            self.runner.cancel(KEY)

    def _start(self) -> None:
        if self._wanted is None or self._busy:
            return  # the running one ends first; _on_thread_done starts the wanted one
        index, path = self._wanted
        self._wanted = None
        self._busy = True
        self.started += 1
        self.runner.submit(KEY, preview_steps, path, self.size, title="Preview", on_exit=self._on_thread_done,
                           on_result=lambda p, i=index: self.loaded.emit(i, p))  # fmt: skip

    def _on_thread_done(self) -> None:
        self._busy = False
        if self._wanted is not None:
            self._timer.start()
