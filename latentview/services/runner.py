"""Drive a service generator without Qt (CLI, tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from latentview.core.progress import Log, Partial, Progress


def drive(
    gen: Generator[Any, None, Any],
    on_progress: Callable[[Progress], None] | None = None,
    on_partial: Callable[[Partial], None] | None = None,
    on_log: Callable[[Log], None] | None = None,
) -> Any:
    """Run to completion and return the generator's return value."""
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            return stop.value
        if isinstance(event, Progress) and on_progress:
            on_progress(event)
        elif isinstance(event, Partial) and on_partial:
            on_partial(event)
        elif isinstance(event, Log) and on_log:
            on_log(event)
