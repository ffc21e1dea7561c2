"""Fixtures for Qt tests: a small clustered image map, and the stall meter (see stall.py)."""

import pytest

from tests.qt.stall import StallMeter


@pytest.fixture
def tiny_map(window, qtbot, photo_folder, tiny_embedder):
    """The window on the real photo folder embedded by the tiny test encoder, PCA, clustered."""
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    ds = drive(ingest_folder(str(photo_folder), IngestOptions(model=tiny_embedder)))
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    qtbot.waitUntil(lambda: window.state.explore.clustering is not None, timeout=180_000)
    return window


@pytest.fixture
def stall_meter(qtbot):
    """Records the event loop's longest gap per action; `meter.over_limit()` lists those above 100 ms."""
    meter = StallMeter(qtbot)
    yield meter
    print("\n" + meter.report())
