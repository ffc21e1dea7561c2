"""Click neighbours above 1M rows: the IVF index (backends/ann.py) against exact search on hard data.

    .venv/bin/python benchmarks/ann_recall.py [--n 1000000] [--dim 512] [--data cnn,overlap,uniform] [--quick]

Three synthetic sets, float16 as a big map holds them: `cnn` (ReLU features of a 64-d latent with a
decaying spectrum, ~20,000 small clusters of 50 in 100 super-classes, overlapping), `overlap` (4,000
Gaussian clusters with noise as wide as their spacing) and `uniform` (isotropic Gaussian: no structure,
every row about as far as any other). For each: the old index (~4,000 rows a list, nprobe = nlist / 24,
rows gathered from the store) and the new one (~1,000 rows a list, nprobe calibrated, list-ordered
copy): build time, index memory, click time against the exact float16 scan measured in the same run,
recall@10 against exact on held-out rows, and the index's own recall estimate.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's latentview


def cnn_like(n: int, d: int, seed: int = 0, per: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = min(64, d)
    basis = (rng.standard_normal((r, d)) / np.sqrt(np.arange(1, r + 1))[:, None]).astype(np.float32)
    supers = rng.standard_normal((100, r)).astype(np.float32)
    c = max(1, n // per)
    subs = supers[rng.integers(0, 100, c)] + 0.7 * rng.standard_normal((c, r)).astype(np.float32)
    return _fill(n, d, rng, lambda m: np.maximum(
        (subs[rng.integers(0, c, m)] + 0.5 * rng.standard_normal((m, r), dtype=np.float32)) @ basis
        + 0.3 * rng.standard_normal((m, d), dtype=np.float32), 0))  # fmt: skip


def overlap(n: int, d: int, seed: int = 0, clusters: int = 4000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d)).astype(np.float32)
    return _fill(n, d, rng, lambda m: centres[rng.integers(0, clusters, m)]
                 + rng.standard_normal((m, d), dtype=np.float32))  # fmt: skip


def uniform(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _fill(n, d, rng, lambda m: rng.standard_normal((m, d), dtype=np.float32))


def _fill(n, d, rng, block) -> np.ndarray:
    out = np.empty((n, d), np.float16)  # in blocks: no float32 copy of the whole set
    for s in range(0, n, 100_000):
        out[s : s + min(100_000, n - s)] = block(min(100_000, n - s))
    return out


def rss_gib() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 2**20


def click_ms(search, queries) -> float:
    search.query(int(queries[0]), 12)
    t0 = time.perf_counter()
    for q in queries:
        search.query(int(q), 12)
    return (time.perf_counter() - t0) * 1000 / len(queries)


def measure(x: np.ndarray, name: str, queries: np.ndarray, fixed: bool) -> None:
    from latentview.backends import ann, knn

    exact = knn.HalfPrecisionSearch(x)
    nlist = int(np.clip(len(x) // 4000, 16, 1024))  # the old default, for the fixed (old) probing
    before = rss_gib()
    t0 = time.perf_counter()
    old = dict(nlist=nlist, nprobe=max(16, nlist // 24), packed=False) if fixed else {}
    s = ann.IVFSearch(x, background=False, **old)
    build = time.perf_counter() - t0
    grown = rss_gib() - before
    packed = 0 if s._packed is None else s._packed.numel() * 2  # the list-ordered copy of the rows
    index_mb = (s._order.numel() * 8 + s._centroids.numel() * 2 + s._offsets.nbytes + packed) / 2**20
    ms, exact_ms = click_ms(s, queries[:30]), click_ms(exact, queries[:30])
    recall = ann.recall_at_k(s, exact, queries, 10)
    mode = "exact scan" if s.exact else f"nprobe {s.nprobe}/{s.nlist}, {s.scanned_share:.1%} of rows read"
    print(f"{name:8s} {'fixed' if fixed else 'calibrated':10s} {mode}: recall@10 {recall:.3f} "
          f"(estimate {s.recall_estimate:.3f}); click {ms:.1f} ms vs exact {exact_ms:.1f} ms; "
          f"built in {build:.1f} s, index {index_mb:.1f} MB, RSS +{grown:.2f} GiB", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--data", default="cnn,overlap,uniform")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--skip-old", action="store_true", help="measure the new index only")
    ap.add_argument("--quick", action="store_true", help="20,000 × 64 rows: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.n, args.dim, args.queries = 20_000, 64, 50
    makers = {"cnn": cnn_like, "overlap": overlap, "uniform": uniform}
    for name in args.data.split(","):
        t0 = time.perf_counter()
        x = makers[name](args.n, args.dim)
        print(f"{name}: {args.n:,} × {args.dim} float16 ({x.nbytes / 2**30:.2f} GiB), made in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
        queries = np.random.default_rng(1).integers(0, args.n, args.queries)
        for fixed in (False,) if args.skip_old else (True, False):
            measure(x, name, queries, fixed)
        del x


if __name__ == "__main__":
    main()
