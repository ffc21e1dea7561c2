"""Memory and time for a 1M × 512 embedding set: float16 storage (what latentview keeps for big sets)
against float32 storage of the same data, each in a fresh process. Peak resident memory above the
process's start covers: building the set, the first k-NN click, PCA to 2-D and the clustering input.

    .venv/bin/python benchmarks/memory_1m.py [--n 1000000] [--dim 512] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int, dim: int, dtype: str) -> dict:
    import torch  # noqa: F401 - imported before measuring: the float16 search uses it

    from latentview.backends.clustering import prepare
    from latentview.backends.knn import best_search
    from latentview.backends.projectors import pca
    from latentview.core.dataset import Dataset
    from latentview.core.session import Session

    base = peak_mb()
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (20, dim)).astype(np.float32)
    emb = np.empty((n, dim), dtype=dtype)
    for s in range(0, n, 50_000):  # fill in blocks, as ingest does
        m = min(50_000, n - s)
        emb[s : s + m] = centres[rng.integers(0, 20, m)] + rng.standard_normal((m, dim), dtype=np.float32)
    ds = Dataset("points", [""] * n, [""] * n, emb)
    out = {"dtype": dtype, "data_gb": emb.nbytes / 2**30}
    session = Session(search_factory=best_search)
    session.set_dataset(ds)
    t0 = time.perf_counter()
    session.set_focus(12345)  # first click builds the search
    out["first_click_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(10):
        session.set_focus(i * 1000)
    out["click_ms"] = (time.perf_counter() - t0) / 10 * 1000
    t0 = time.perf_counter()
    pca(ds.embeddings)
    out["pca_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    prepare(ds.embeddings)
    out["cluster_input_s"] = time.perf_counter() - t0
    out["peak_gb"] = (peak_mb() - base) / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--child", choices=("float16", "float32"))
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.n, args.dim = 20_000, 64
    if args.child:
        print(json.dumps(child(args.n, args.dim, args.child)))
        return
    for dtype in ("float16", "float32"):
        res = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--dim", str(args.dim),
                              "--child", dtype], capture_output=True, text=True, check=True)  # fmt: skip
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"{args.n:,} × {args.dim} {dtype}: data {r['data_gb']:.2f} GiB, peak added memory "
              f"{r['peak_gb']:.2f} GiB; k-NN click {r['click_ms']:.0f} ms (first {r['first_click_s']:.1f} s); "
              f"PCA {r['pca_s']:.1f} s; clustering input (PCA-50 of unit rows) {r['cluster_input_s']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
