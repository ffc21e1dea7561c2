"""Progress on stderr for headless commands: a live line on a terminal, a line every few s otherwise."""

from __future__ import annotations

import sys
import time

from latentview.core.progress import Log, Progress
from latentview.core.textsafe import printable


class ConsoleProgress:
    def __init__(self, stream=None, every: float = 2.0):
        self.stream = sys.stderr if stream is None else stream  # the stream at call time (tests swap it)
        self.tty = self.stream.isatty()
        self.every = every
        self._last = 0.0

    def progress(self, p: Progress) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r\033[K" + printable(p.describe()))
            self.stream.flush()
        elif now - self._last >= self.every or (p.total and p.done == p.total):
            self.stream.write(printable(p.describe()) + "\n")
            self._last = now

    def log(self, entry: Log) -> None:
        self.stream.write(("\r\033[K" if self.tty else "") + f"{entry.level}: {printable(entry.message)}\n")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
