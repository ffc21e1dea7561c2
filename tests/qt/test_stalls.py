"""The stall harness: a 1,000,000-point map driven through the real window never freezes the event
loop for long — open, a full repaint, reloading the points, first and later clicks, lasso, exports,
session save/open — and a folder export on a small image map. Slow work runs on the task runner.

The aim is 100 ms per action (the report marks actions over it); each is held to two limits
(tests/qt/stall.py, StallMeter): the GUI thread's own CPU time in any one gap ≤ 200 ms on any machine
(load does not inflate it much: a descheduled thread spends none), and the wall gap ≤ 200 ms + 2 × the
machine's noise measured at the start (median of five probes), × load per core when above 1, capped
at 500 ms — or 3 s of wall and 300 ms of CPU when load per core is above 1.5. 200 ms is 2× the aim
because one step varies 2–4× run to run here (opening the map: 41–185 ms of GUI CPU over 10 runs); a 1 s synchronous step still fails, on a
quiet and a loaded machine alike. The limits never come from the app's own work (a slower renderer
must not raise its own bar). Torch's and pyarrow's (with the pandas it pulls in) first imports are
reported but not held: their extension set-up holds the GIL even on a worker. Set
LATENTVIEW_STALL_TRACE=1 to print where the GUI thread was during each long gap."""

import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from latentview.backends.projectors import ProjectionParams
from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.qt.explore.groups_panel import GroupsPanel
from tests.qt.mouse import drag_lasso
from tests.qt.stall import import_pyarrow, import_torch

N = 1_000_000


def _pixel(window, x, y):
    return window.map.mapFromScene(window.map.viewbox.mapViewToScene(QPointF(x, y)))


def _big_dataset() -> Dataset:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, (12, 64)).astype(np.float32)
    codes = rng.integers(0, 12, N)
    emb = (centres[codes] + rng.normal(0, 1, (N, 64)).astype(np.float32)).astype(np.float16)
    names = [f"c{i}" for i in range(12)]
    return Dataset("table", [f"p{i}" for i in range(N)], [names[c] for c in codes], emb)


def _click(window, qtbot, index):
    s = window.session
    QTest.mouseClick(window.map.viewport(), Qt.LeftButton, Qt.NoModifier, _pixel(window, *s.coords[index]))
    qtbot.waitUntil(lambda: s.focus is not None and len(s.neighbours[0]) > 0, timeout=60_000)
    return s.focus


def _lasso(window, qtbot):
    (x0, x1), (y0, y1) = window.map.viewbox.viewRange()
    # around a point (inside a cluster), not the view's centre: that can fall between clusters
    (cx, cy), rx, ry = window.session.coords[123], (x1 - x0) / 12, (y1 - y0) / 12
    t = np.linspace(0, 2 * np.pi, 30)
    drag_lasso(window.map, np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)])
    qtbot.waitUntil(lambda: window.session.selection is not None, timeout=30_000)


def _wait_file(qtbot, path, timeout=120_000):
    qtbot.waitUntil(lambda: os.path.exists(path), timeout=timeout)


@pytest.mark.slow
def test_a_million_point_map_never_stalls_the_window(window, qtbot, stall_meter, tmp_path):
    from latentview.qt.explore import actions

    m = stall_meter
    window.state.auto_cluster = False
    ds = _big_dataset()
    m.calibrate()  # the machine's noise now: sets the wall limit
    with m.action("open 1M map (PCA)"):
        with qtbot.waitSignal(window.mapReady, timeout=180_000):
            window.show_dataset(ds, ProjectionParams("pca"))
        qtbot.waitUntil(lambda: window.map.points.last_level == "raster", timeout=10_000)
        qtbot.waitUntil(lambda: window.map.pick_ready, timeout=60_000)  # picking grid, built aside
    with m.action("pan repaint"):  # one full re-raster of the million points
        (x0, x1), _ = window.map.viewbox.viewRange()
        window.map.viewbox.translateBy(x=(x1 - x0) * 1e-3)
        window.map.viewport().repaint()
    with m.action("reload points"):  # what any new layout costs the renderer, drawn once
        codes, colors, names = window.point_colours()
        window.map.set_points(window.session.coords, codes, colors, names, autorange=False)
        window.map.viewport().repaint()
    with m.action("known: import torch (worker)"):  # what the first search of a big map needs
        with qtbot.waitSignal(
            window.runner.finished, timeout=120_000, check_params_cb=lambda k, o: k == "torch"
        ):
            window.runner.submit("torch", import_torch)
    m.known("known: import torch (worker)")
    with m.action("known: import pyarrow (worker)"):  # what the first Parquet export needs
        with qtbot.waitSignal(
            window.runner.finished, timeout=120_000, check_params_cb=lambda k, o: k == "pyarrow"
        ):
            window.runner.submit("pyarrow", import_pyarrow)
    m.known("known: import pyarrow (worker)")
    s = window.session
    with m.action("first click"):
        _click(window, qtbot, 123)
    with m.action("later click"):
        _click(window, qtbot, 98_765)
    with m.action("lasso"):
        _lasso(window, qtbot)
    sel = s.selected_indices
    assert 1_000 < len(sel) < N
    clustering = Clustering(ds.label_codes()[0], [f"c{i}" for i in range(12)])
    with m.action("clusters land"):
        window.state.explore.set_clustering(clustering)
    window.feature(GroupsPanel).keep_selection("lassoed")
    for name, fn in (("export selection CSV", "sel.csv"), ("export selection Parquet", "sel.parquet")):
        with m.action(name):
            actions.export_points(window, str(tmp_path / fn))
            _wait_file(qtbot, tmp_path / fn)
    with m.action("export map data Parquet"):
        actions.export_points(window, str(tmp_path / "all.parquet"), indices=np.arange(N))
        _wait_file(qtbot, tmp_path / "all.parquet")
    with m.action("save session"):
        actions.save_session(window, str(tmp_path / "s.json"))
        _wait_file(qtbot, tmp_path / "s.json")
        qtbot.waitUntil(lambda: not window.runner.is_running(), timeout=120_000)
    with m.action("open session"):
        with qtbot.waitSignal(window.mapReady, timeout=180_000):
            actions.open_session(window, str(tmp_path / "s.json"))
        qtbot.waitUntil(lambda: not window.runner.is_running(), timeout=120_000)
    assert len(s.dataset) == N and window.state.explore.groups.get("lassoed").count == len(sel)
    # a folder export on a small image map
    folder = tmp_path / "imgs"
    folder.mkdir()
    items = []
    for i in range(300):
        p = folder / f"{i}.png"
        Image.new("RGB", (16, 16), (i % 255, 0, 0)).save(p)
        items.append(str(p))
    emb = np.random.default_rng(1).normal(size=(300, 8)).astype(np.float32)
    small = Dataset("images", items, ["a"] * 300, emb, source=str(folder))
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(small, ProjectionParams("pca"))
    window.state.explore.groups.add("half", np.arange(150))
    done = []
    with m.action("export folders (300 images)"):
        actions.export_sets_to_folders(window, str(tmp_path / "out"), "group", "copy", on_done=done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert sum(done[0].written.values()) == 150
    print(m.report())
    assert not m.over_limit(), m.report()


@pytest.mark.parametrize("load", ["quiet", "measured"])
def test_the_meter_catches_a_one_second_step_on_the_gui_thread(qtbot, stall_meter, monkeypatch, load):
    """The harness's own check: 1 s of work on the GUI thread fails whatever the machine's load (its
    CPU time counts, not the wall clock), while waiting idle for the same second does not; the limits
    never grow anywhere near a second ("quiet": the limits CI gets, whatever the load here)."""
    import time

    from tests.qt import stall

    m = stall_meter
    if load == "quiet":
        monkeypatch.setattr(stall, "load_per_core", lambda: 0.0)
        m.load = 0.0
    m.calibrate(probes=3)
    assert m.cpu_limit_s <= 0.301 and (m.limit_s <= stall.WALL_CAP_S or m.load > stall.LOADED)
    with m.action("idle second"):
        qtbot.wait(1000)
    with m.action("one second on the GUI thread"):
        end = time.thread_time() + 1.0  # a step that takes 1 s on a quiet machine (CPU time, not wall)
        while time.thread_time() < end:
            sum(i * i for i in range(1000))
    print(m.report())
    assert m.cpu["one second on the GUI thread"] > 0.5
    assert "one second on the GUI thread" in m.over_limit()
    assert m.cpu["idle second"] < m.cpu_limit_s
