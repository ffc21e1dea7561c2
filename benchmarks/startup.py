"""Start-up: seconds from launch to a visible window (a fresh process each time), next to how long
`import torch` alone takes in the same run — the cost the window avoids by deferring heavy imports.
Then: a cached 10,000-image folder back on the map (scan + cache + PCA), in ms.

    .venv/bin/python benchmarks/startup.py [--runs 3] [--cached 10000] [--quick]
    .venv/bin/python benchmarks/startup.py --frozen dist/latentview/latentview [--runs 3]

--frozen: the packaged app's launch → window shown, next to the Python install's in the same run
(alternating, so both see the same machine load); nothing else.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def wall(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cached", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    ap.add_argument("--frozen", metavar="PATH", help="the packaged app's executable: compare start-ups only")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.cached = 1, 200
    tmp = Path(tempfile.mkdtemp(prefix="lv-start-"))
    try:
        if args.frozen:
            frozen(args, tmp)
        else:
            run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def frozen(args, tmp: Path) -> None:
    """Frozen vs Python install, launch → window shown; one unmeasured launch each first (disk cache)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LATENTVIEW_CACHE_DIR": str(tmp / "cache")}
    cmds = {"frozen": [args.frozen, "--exit-after-show"],
            "python install": [sys.executable, "-m", "latentview", "--exit-after-show"]}  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd in cmds.values():
        wall(cmd, env)
    for _ in range(args.runs):
        for k, cmd in cmds.items():
            times[k].append(wall(cmd, env))
    for k, ts in times.items():
        print(f"{k}: launch → window shown: median {np.median(ts):.2f} s "
              f"(min {min(ts):.2f}, max {max(ts):.2f}, {len(ts)} runs, offscreen)")  # fmt: skip


def run(args, tmp: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LATENTVIEW_CACHE_DIR": str(tmp / "cache")}
    show = [wall([sys.executable, "-m", "latentview", "--exit-after-show"], env) for _ in range(args.runs)]
    torch_import = [wall([sys.executable, "-c", "import torch, torchvision"], env) for _ in range(args.runs)]
    bare = [wall([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
    print(f"launch → window shown (and closed): median {np.median(show):.2f} s "
          f"(python alone {np.median(bare):.2f} s; `import torch, torchvision` alone {np.median(torch_import):.2f} s)")  # fmt: skip

    os.environ["LATENTVIEW_CACHE_DIR"] = str(tmp / "cache")
    from PIL import Image

    from latentview.backends.cache import EmbeddingCache, file_key
    from latentview.backends.images import scan_images
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.projection import project
    from latentview.services.runner import drive

    folder = tmp / "photos"
    for i in range(args.cached):
        d = folder / f"c{i % 10}"
        d.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (i % 256, 0, 0)).save(d / f"{i:05d}.png")
    rng = np.random.default_rng(1)
    cache = EmbeddingCache()
    cache.store("efficientnet-lite0", [(file_key(p), rng.normal(size=1280).astype(np.float32), None)
                                       for p in scan_images(str(folder)).files])  # fmt: skip
    cache.close()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ds = drive(ingest_folder(str(folder), IngestOptions()))
        drive(project(ds.embeddings, ProjectionParams("pca")))
        times.append(time.perf_counter() - t0)
    print(f"cached {args.cached:,}-image folder → PCA map data: median {np.median(times) * 1000:.0f} ms "
          "(a 1280-d embedding per image, as the default model gives)")  # fmt: skip


if __name__ == "__main__":
    main()
