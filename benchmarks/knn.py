"""k-NN in the full space: one query against N × D normalised float32 embeddings (blocked matrix
product + partial sort), against sklearn's brute-force cosine search measured in the same run.

    .venv/bin/python benchmarks/knn.py [--n 1000000] [--dim 512] [--k 12] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.n, args.dim = 20_000, 64
    from latentview.backends.knn import HalfPrecisionSearch
    from latentview.core.neighbors import nearest

    rng = np.random.default_rng(0)
    unit = np.empty((args.n, args.dim), np.float32)
    for s in range(0, args.n, 100_000):  # fill in blocks: no float64 temporaries of the whole set
        block = rng.standard_normal((min(100_000, args.n - s), args.dim), dtype=np.float32)
        unit[s : s + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    queries = rng.integers(0, args.n, 20)
    nearest(unit, unit[queries[0]], args.k, exclude=int(queries[0]))
    t0 = time.perf_counter()
    for q in queries:
        nearest(unit, unit[q], args.k, exclude=int(q))
    ours = (time.perf_counter() - t0) / len(queries) * 1000
    print(f"{args.n:,} × {args.dim}, k={args.k}: numpy float32 blocks ({unit.nbytes / 2**30:.2f} GiB) "
          f"{ours:.1f} ms per query")  # fmt: skip
    half = HalfPrecisionSearch(unit)
    half.query(int(queries[0]), args.k)
    t0 = time.perf_counter()
    agree = 0
    for q in queries:
        idx16, _ = half.query(int(q), args.k)
        agree += len(set(idx16.tolist()) & set(nearest(unit, unit[q], args.k, exclude=int(q))[0].tolist()))
    t_half = (time.perf_counter() - t0 - 0) / len(queries) * 1000
    print(f"torch float16 store ({half._rows.numel() * 2 / 2**30:.2f} GiB): query + exact check {t_half:.1f} ms; "
          f"recall vs float32 {agree / (len(queries) * args.k):.3f}")  # fmt: skip
    t0 = time.perf_counter()
    for q in queries:
        half.query(int(q), args.k)
    t_half = (time.perf_counter() - t0) / len(queries) * 1000
    print(f"torch float16 store: {t_half:.1f} ms per query (what a click costs)")

    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=args.k + 1, metric="cosine", algorithm="brute").fit(unit)
    t0 = time.perf_counter()
    for q in queries[:5]:
        ref = nn.kneighbors(unit[q : q + 1], return_distance=False)[0]
    base = (time.perf_counter() - t0) / 5 * 1000
    same = set(ref[1:].tolist()) == set(
        nearest(unit, unit[queries[4]], args.k, exclude=int(queries[4]))[0].tolist()
    )
    print(
        f"sklearn brute cosine: {base:.1f} ms per query → {base / ours:.1f}× slower; same neighbours: {same}"
    )


if __name__ == "__main__":
    main()
