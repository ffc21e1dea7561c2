"""The longest GUI step (event-loop gap) per action on a big map in the real window: opening it, the
clusters landing, zooming in to dots, colouring by cluster, panning. Each action waits for its
background work too, so work moved to the runner is counted only for the time it holds the GUI.

    .venv/bin/python benchmarks/big_map_gui.py [--points 1000000] [--runs 3] [--against REV] [--quick]

--against REV: the same actions with the package as it was at git revision REV (exported read-only
with `git archive`), alternating with this checkout in one run so both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ACTIONS = ["open map (PCA)", "clusters land", "colour by cluster", "zoom in to dots", "pan repaint"]


def measure(n: int) -> dict:
    """Runs in a child process: the actions on an n-point map, longest gap (s) of each."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from latentview.backends.projectors import ProjectionParams
    from latentview.core.clusters import Clustering
    from latentview.core.dataset import Dataset
    from latentview.qt.shell.main_window import MainWindow

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, (12, 32)).astype(np.float32)
    codes = rng.integers(0, 12, n)
    emb = (centres[codes] + rng.normal(0, 1, (n, 32)).astype(np.float32)).astype(np.float16)
    ds = Dataset("table", [f"p{i}" for i in range(n)], [f"c{c}" for c in codes], emb)
    w = MainWindow()
    state = getattr(w, "state", w)  # the shared state (AppState); older revisions kept it on the window
    state.auto_cluster = False
    w.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def wait_until(cond, limit_s=300.0, settle_ms=300):
        clock = QElapsedTimer()
        clock.start()
        while not cond():
            if clock.elapsed() > limit_s * 1000:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.002)
        end = time.perf_counter() + settle_ms / 1000  # the repaints it caused, and late results
        while time.perf_counter() < end or w.runner.is_running():
            app.processEvents()
            time.sleep(0.002)

    def action(fn, cond):
        ticks[:] = [time.perf_counter()]
        timer.start(5)
        fn()
        wait_until(cond)
        timer.stop()
        ticks.append(time.perf_counter())
        return float(np.max(np.diff(ticks)))

    out = {}
    out[ACTIONS[0]] = action(lambda: w.show_dataset(ds, ProjectionParams("pca")),
                             lambda: w.session.coords is not None and not w.runner.is_running())  # fmt: skip
    clustering = Clustering(codes.astype(np.int32), [f"cluster {i}" for i in range(12)])
    out[ACTIONS[1]] = action(lambda: state.explore.set_clustering(clustering), lambda: True)
    out[ACTIONS[2]] = action(lambda: state.explore.set_colour_by("cluster"), lambda: True)
    xy = w.session.coords
    x0, y0 = float(np.median(xy[:, 0])), float(np.median(xy[:, 1]))
    span = float(np.ptp(xy[:, 0])) / 200
    out[ACTIONS[3]] = action(lambda: (w.map.viewbox.setRange(xRange=(x0, x0 + span), yRange=(y0, y0 + span),
                                                             padding=0), w.map.viewport().repaint()),
                             lambda: True)  # fmt: skip
    w.map.fit()
    wait_until(lambda: True)
    out[ACTIONS[4]] = action(
        lambda: (w.map.viewbox.translateBy(x=span), w.map.viewport().repaint()), lambda: True
    )
    w.runner.shutdown(60_000)
    return out


def child(tree: str, n: int, tmp: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": tree,
           "LATENTVIEW_CACHE_DIR": str(tmp / "cache"), "LATENTVIEW_CONFIG_DIR": str(tmp / "config")}  # fmt: skip
    code = f"import json, sys; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); import big_map_gui as b; " \
           f"print('RESULT', json.dumps(b.measure({n})))"  # fmt: skip
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tree)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode != 0 or not lines:
        raise SystemExit(f"measuring in {tree} failed: {res.stderr[-2000:]}")
    return json.loads(lines[-1][7:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", metavar="REV", help="also measure the package at this git revision")
    ap.add_argument("--quick", action="store_true", help="small sizes: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.points, args.runs = 250_000, 1
    tmp = Path(tempfile.mkdtemp(prefix="lv-biggui-"))
    try:
        trees = {"this checkout": str(REPO)}
        if args.against:
            old = tmp / "old"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.against, "latentview"],
                                     check=True, capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            trees = {args.against: str(old), **trees}
        results: dict[str, list[dict]] = {k: [] for k in trees}
        for _ in range(args.runs):
            for name, tree in trees.items():
                results[name].append(child(tree, args.points, tmp))
        print(f"{args.points:,} points: longest GUI step per action, median of {args.runs} runs (load "
              f"{os.getloadavg()[0]:.1f})")  # fmt: skip
        for action in ACTIONS:
            cells = [
                f"{name} {np.median([r[action] for r in rs]) * 1000:.0f} ms" for name, rs in results.items()
            ]
            print(f"  {action:<20} " + " · ".join(cells))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
