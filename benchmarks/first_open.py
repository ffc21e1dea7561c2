"""A new user's first open of a folder, phase by phase: nothing cached (a fresh LATENTVIEW_CACHE_DIR),
from the demo images being written to a *named* map (clusters named). Each run is a fresh process; the
numba cache (UMAP's compiled kernels, ~40 s to build) is either kept warm (an earlier launch filled it)
or cold (a fresh folder too: the very first launch on a machine).

    .venv/bin/python benchmarks/first_open.py [--per 24] [--runs 1] [--cold] [--quick]

Phases follow the app's order (services only, no window): demo images → embedding (model load
included) → PCA map (what the map shows at once) → 2-D UMAP → clustering (prepare, clustering space,
HDBSCAN, names, coarser levels). Where the code has it, UMAP is warmed up in a thread while the images
are embedded, as the app does (a first launch only; --cold also runs once without). --quick: 44 images, warm numba only.
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

REPO = Path(__file__).resolve().parents[1]


def _drive(gen, marks: list, t0: float):
    """Runs a service generator, noting the time of each new progress message (phase boundaries)."""
    from latentview.core.progress import Progress

    last = None
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, Progress):
            head = item.message.split("(")[0].split(":")[-1].strip()
            if head != last:
                marks.append((head, time.perf_counter() - t0))
                last = head


def child(per: int, warm_up: bool) -> None:
    """One first open in this process; prints {"phases": [[name, seconds], ...], "info": ...} as JSON."""
    t0 = time.perf_counter()
    phases: list = []

    def mark(name: str, start: float) -> float:
        now = time.perf_counter()
        phases.append([name, now - start])
        return now

    from latentview.backends.demo import demo_folder
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.models import DEFAULT_MODEL

    t = time.perf_counter()
    if warm_up:  # as the app does from the moment a folder is opened: UMAP compiled while embedding
        from latentview.backends.projectors import start_warm_up

        start_warm_up()
    folder = demo_folder(per_category=per)
    t = mark("demo images written", t)
    marks: list = []
    ds = _drive(ingest_folder(str(folder), IngestOptions(model=DEFAULT_MODEL)), marks, t0)
    steps = {}
    for (head, at), nxt in zip(marks, [m[1] for m in marks[1:]] + [time.perf_counter() - t0]):
        word = head.split()[0].lower() if head else "?"
        steps[word] = steps.get(word, 0.0) + nxt - at
    phases.append([f"model load ({DEFAULT_MODEL})", steps.get("loading", 0.0)])
    t = mark(f"embedding {len(ds)} images (scan, load included)", t)
    phases[-1][1] -= steps.get("loading", 0.0)

    from latentview.services.projection import ProjectionParams, project

    gen = project(ds.embeddings, ProjectionParams("umap"))
    from latentview.core.progress import Partial

    while True:  # the PCA partial: what the map shows at once
        item = next(gen)
        if isinstance(item, Partial):
            break
    t = mark("PCA map on screen", t)
    _drive(gen, [], t0)
    t = mark("2-D UMAP (final map)", t)
    from latentview.services.clusters import cached_clusters

    marks = []
    start = time.perf_counter() - t0
    clustering = _drive(cached_clusters(ds), marks, t0)
    end = time.perf_counter() - t0
    bounds = [(name if name != "done" else "storing in the cluster cache", at) for name, at in marks]
    for (name, at), nxt in zip(bounds, [b[1] for b in bounds[1:]] + [end]):
        phases.append([f"clusters: {name}", nxt - max(at, start)])
    total = time.perf_counter() - t0
    info = f"{len(clustering.names)} clusters, {int((clustering.labels >= 0).sum())}/{len(ds)} clustered"
    print(json.dumps({"phases": phases, "total": total, "info": info}))


def run_one(per: int, numba_dir: Path, tmp: Path, warm_up: bool = True) -> dict:
    cache = tmp / f"cache-{time.time_ns()}"
    env = {**os.environ, "LATENTVIEW_CACHE_DIR": str(cache), "LATENTVIEW_CONFIG_DIR": str(tmp / "config"),
           "NUMBA_CACHE_DIR": str(numba_dir), "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    t0 = time.perf_counter()
    extra = ["--warm-up"] if warm_up else []
    res = subprocess.run([sys.executable, __file__, "--child", "--per", str(per), *extra], env=env,
                         capture_output=True, text=True)  # fmt: skip
    launch = time.perf_counter() - t0
    shutil.rmtree(cache, ignore_errors=True)
    if res.returncode != 0:
        raise SystemExit(f"first open failed ({res.returncode}): {res.stderr[-2000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["launch"] = launch
    return out


def report(label: str, runs: list[dict]) -> None:
    import numpy as np

    print(f"{label}: {runs[0]['info']}")
    for i, (name, _) in enumerate(runs[0]["phases"]):
        secs = [r["phases"][i][1] for r in runs if i < len(r["phases"])]
        print(f"  {name:<48} {np.median(secs):7.2f} s")
    print(f"  {'total in process (median)':<48} {np.median([r['total'] for r in runs]):7.2f} s; "
          f"process launch → named: {np.median([r['launch'] for r in runs]):.1f} s")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=24)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--cold", action="store_true", help="also a run with an empty numba cache")
    ap.add_argument("--quick", action="store_true", help="small sizes: checks the script runs")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.per, args.warm_up)
    if args.quick:
        args.per, args.runs, args.cold = 4, 1, False
    tmp = Path(tempfile.mkdtemp(prefix="lv-first-"))
    try:
        warm_dir = Path(os.environ.get("NUMBA_CACHE_DIR", REPO / ".cache" / "numba"))
        warm_dir.mkdir(parents=True, exist_ok=True)
        n = args.per * 11
        warm_up = "def start_warm_up" in (REPO / "latentview" / "backends" / "projectors.py").read_text()
        if args.cold:
            if warm_up:
                report(f"{n} images, numba cache cold, no warm-up",
                       [run_one(args.per, tmp / "numba-cold0", tmp, False)])  # fmt: skip
            report(f"{n} images, numba cache cold", [run_one(args.per, tmp / "numba-cold", tmp, warm_up)])
        runs = [run_one(args.per, warm_dir, tmp, warm_up) for _ in range(args.runs)]
        report(f"{n} images, numba cache warm" + (" (nothing to warm up)" if warm_up else ""), runs)
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
