"""A stall meter for the Qt event loop: a 5 ms QTimer records wall-clock ticks while an action runs;
the longest gap between ticks (or between the action's start/end and the nearest tick) is how long
the window was frozen. Used by the `stall_meter` fixture (tests/qt/conftest.py)."""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections import Counter
from contextlib import contextmanager

from PySide6.QtCore import Qt, QTimer


def import_torch():
    """Generator for the task runner: import torch the way the first big-map search does."""
    from latentview.backends.knn import preload_torch_libraries
    from latentview.core.progress import Progress

    yield Progress(0, 1, "importing torch")
    preload_torch_libraries()
    import torch  # noqa: F401

    return True


def busy_python(seconds: float = 1.0):
    """Generator for the task runner: pure-Python work for `seconds` (the GIL-sharing baseline)."""
    from latentview.core.progress import Progress

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(i * i for i in range(20_000))
        yield Progress(0, 1, "busy")


LOADED = 1.5  # load average per core above which the machine is oversubscribed
LOADED_LIMIT_S = 3.0  # the bound there: still catches the seconds of GUI-thread work the harness was made for


def load_per_core() -> float:
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 0.0


class StallMeter:
    """`with meter.action("name"): ...` records that action's longest event-loop gap in seconds.

    The limit is 100 ms. On an oversubscribed machine (load per core above LOADED, e.g. many test
    suites sharing two cores) the OS alone deschedules the GUI thread for hundreds of ms, so the limit
    becomes LOADED_LIMIT_S there, and the report says so."""

    def __init__(self, qtbot, interval_ms: int = 5, limit_s: float = 0.100):
        self.qtbot = qtbot
        self.load = load_per_core()
        self.limit_s = limit_s if self.load <= LOADED else max(limit_s, LOADED_LIMIT_S)
        self.results: dict[str, float] = {}
        self._ticks: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self._ticks.append(time.perf_counter()))

    def _watch(self, stop: threading.Event, main_id: int, found: Counter, keep: list) -> None:
        """With LATENTVIEW_STALL_TRACE=1: sample where the GUI thread is while a tick is overdue.

        The sampled frames are kept and released by the GUI thread: freed here, the last reference to
        a test's frame would destroy its Qt objects off the GUI thread (a PySide deadlock)."""
        while not stop.wait(0.01):
            if time.perf_counter() - self._ticks[-1] > 0.04:
                frame = sys._current_frames().get(main_id)
                keep.append(frame)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-6:]
                    found[
                        " <- ".join(
                            f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in stack[::-1]
                        )
                    ] += 1

    @contextmanager
    def action(self, name: str):
        """Measure everything in the block, including synchronous work the block itself does on the
        GUI thread (a click handler, an export call) and the waits for its background results."""
        self._ticks = [time.perf_counter()]
        self._timer.start()
        stop, found, keep = threading.Event(), Counter(), []
        watcher = threading.Thread(
            target=self._watch, args=(stop, threading.get_ident(), found, keep), daemon=True
        )
        if os.environ.get("LATENTVIEW_STALL_TRACE"):
            watcher.start()
        try:
            yield
            self.qtbot.wait(100)  # the repaints the action caused land in the action, not in the next
        finally:
            stop.set()
            if watcher.is_alive():
                watcher.join()
            keep.clear()  # the frames die here, on the GUI thread
            for where, n in found.most_common(6):
                print(f"[stall trace] {name}: {n} × {where}")
            self._timer.stop()
            self._ticks.append(time.perf_counter())
            gaps = [b - a for a, b in zip(self._ticks, self._ticks[1:])]
            self.results[name] = max(gaps) if gaps else 0.0

    def set_baseline(self, *names: str, factor: float = 1.5) -> None:
        """Let the limit grow to `factor` × the largest of some actions measured as stalls the window
        cannot avoid — one full repaint of the map, sharing the interpreter with one busy worker. On an
        idle machine both are far below 100 ms; on an oversubscribed one (the test machine runs many
        suites at once) they pass it, and the harness is here to catch work done on the GUI thread, not
        to time the renderer or the OS scheduler."""
        self.limit_s = max(self.limit_s, factor * max(self.results[n] for n in names))
        self._baselines = set(names)

    def known(self, name: str) -> None:
        """Report an action but don't hold it to the limit: a stall the app cannot remove (torch's
        extension set-up holds the GIL while it is first imported, even on a worker thread)."""
        self._known = getattr(self, "_known", set()) | {name}

    def report(self) -> str:
        lines = [f"{name:<28} {secs * 1000:8.1f} ms" for name, secs in self.results.items()]
        return (f"longest event-loop gap per action (limit {self.limit_s * 1000:.0f} ms, "
                f"load {self.load:.1f} per core):\n"
                + "\n".join(lines))  # fmt: skip

    def over_limit(self) -> dict[str, float]:
        base = getattr(self, "_baselines", set()) | getattr(self, "_known", set())
        return {k: v for k, v in self.results.items() if v > self.limit_s and k not in base}
