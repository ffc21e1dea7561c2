"""What long-running generators yield: progress reports and partial results."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Progress:
    done: int
    total: int
    message: str = ""
    rate: float = 0.0  # items per second
    eta: float | None = None  # seconds left
    unit: str = "items"

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def describe(self) -> str:
        parts = [self.message] if self.message else []
        if self.total:
            parts.append(f"{self.done:,}/{self.total:,}")
        if self.rate > 0:
            parts.append(f"{self.rate:.1f} {self.unit}/s")
        if self.eta is not None and self.done < self.total:
            parts.append(f"ETA {format_duration(self.eta)}")
        return " · ".join(parts)


@dataclass
class Partial:
    """An intermediate result worth showing before the final one (e.g. PCA before UMAP)."""

    value: Any
    label: str = ""


@dataclass
class Log:
    """A line for the user's log panel (a skipped file, a fallback taken)."""

    message: str
    level: str = "warning"


@dataclass
class RateMeter:
    """Rate and ETA from an exponential moving average, so one slow batch does not swing it."""

    total: int
    start_done: int = 0
    smoothing: float = 0.3
    _t0: float = field(default_factory=time.perf_counter)
    _last_t: float | None = None
    _last_done: int = 0
    rate: float = 0.0

    def update(self, done: int, message: str = "", unit: str = "items") -> Progress:
        now = time.perf_counter()
        if self._last_t is None:
            self._last_t, self._last_done = self._t0, self.start_done
        dt = now - self._last_t
        if dt > 0 and done > self._last_done:
            inst = (done - self._last_done) / dt
            self.rate = inst if self.rate == 0 else (1 - self.smoothing) * self.rate + self.smoothing * inst
            self._last_t, self._last_done = now, done
        eta = (self.total - done) / self.rate if self.rate > 0 else None
        return Progress(done, self.total, message, self.rate, eta, unit)


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
