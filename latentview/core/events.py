"""A minimal synchronous signal so the core can publish changes without Qt."""

from __future__ import annotations

from collections.abc import Callable


class Signal:
    """Callbacks run in the emitting thread, in connection order."""

    def __init__(self) -> None:
        self._slots: list[Callable] = []

    def connect(self, slot: Callable) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args) -> None:
        for slot in list(self._slots):
            slot(*args)
