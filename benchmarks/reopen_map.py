"""Reopening a folder: seconds from launch to a *named* map (`latentview FOLDER --screenshot`, which
waits for the clusters' names), when only the embeddings and the 2-D layout are cached ("first open":
what every open cost before clusters were cached) against a second open with the clusters and names
cached too. Each open is a fresh process on the offscreen platform; the two kinds alternate, so both
see the same machine load.

    .venv/bin/python benchmarks/reopen_map.py [--per 24] [--runs 3] [--quick]

--per: images per demo folder (11 folders; 24 is the built-in demo's 264 images). --quick: 44 images,
one run, and the cold open (embedding too) stands for the first open.
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

REPO = Path(__file__).resolve().parents[1]


def open_named(folder: Path, shot: Path, env: dict, timeout: float) -> tuple[float, str]:
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "latentview", str(folder), "--screenshot", str(shot),
                          "--timeout", str(timeout)], env=env, capture_output=True, text=True)  # fmt: skip
    secs = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"latentview failed ({res.returncode}): {res.stderr[-2000:]}")
    return secs, res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.per, args.runs = 4, 1
    tmp = Path(tempfile.mkdtemp(prefix="lv-reopen-"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LATENTVIEW_CACHE_DIR": str(tmp / "cache"),
           "LATENTVIEW_CONFIG_DIR": str(tmp / "config"), "PYTHONPATH": str(REPO)}  # fmt: skip
    # UMAP's compiled kernels are kept across runs (as tests do): compiling is not what is measured.
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".cache" / "numba"))
    try:
        os.environ["LATENTVIEW_CACHE_DIR"] = env["LATENTVIEW_CACHE_DIR"]
        from latentview.backends.demo import demo_folder

        folder = demo_folder(per_category=args.per)
        n = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        shot = tmp / "map.png"
        first, second = [], []
        if args.quick:  # the cold open stands for the first one (it embeds 44 images more): one launch less
            first.append(open_named(folder, shot, env, 900)[0])
        else:
            warm, said = open_named(folder, shot, env, 900)  # embeds, lays out, clusters: fills the caches
            print(f"warm-up open (embedding {n} images, UMAP, clusters): {warm:.1f} s — {said}")
        clusters = tmp / "cache" / "clusters"
        for _ in range(args.runs):
            if not args.quick:
                shutil.rmtree(clusters, ignore_errors=True)  # as before the cluster cache existed
                first.append(open_named(folder, shot, env, 900)[0])
            secs, said = open_named(folder, shot, env, 900)
            second.append(secs)
        print(f"{n} images, launch → named map: first open (embeddings + layout cached) "
              f"median {np.median(first):.1f} s (min {min(first):.1f}); second open (clusters and names "
              f"cached too) median {np.median(second):.1f} s (min {min(second):.1f}); "
              f"{np.median(first) / np.median(second):.1f}× — {said}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
