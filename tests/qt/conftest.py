"""Fixtures for Qt tests: the stall meter (see stall.py)."""

import pytest

from tests.qt.stall import StallMeter


@pytest.fixture
def stall_meter(qtbot):
    """Records the event loop's longest gap per action; `meter.over_limit()` lists those above 100 ms."""
    meter = StallMeter(qtbot)
    yield meter
    print("\n" + meter.report())
