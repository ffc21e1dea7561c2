"""Time to a readable word map: the UMAP preview (the most frequent words laid out by UMAP, the rest
placed beside their nearest ones) — against the full UMAP (the old path's only layout) in the same run. Quality: each layout's 10-NN recall of the full-space neighbours.

    python benchmarks/words_layout.py [--words 20000] [--preview 1000] [--quick]

UMAP compiles its kernels once per machine (~40 s): a warm-up UMAP runs first and is not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np


def _recall(x: np.ndarray, xy: np.ndarray, k: int = 10, sample: int = 1000) -> float:
    from latentview.core.neighbors import normalize
    from latentview.core.trust import knn_brute, knn_recall

    rows = np.random.default_rng(0).choice(len(x), min(sample, len(x)), replace=False)
    high = knn_brute(normalize(x), k, rows)
    low = knn_brute(np.asarray(xy, np.float32), k, rows)
    return float(knn_recall(high, low).mean())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--words", type=int, default=20_000)
    p.add_argument("--preview", type=int, default=1_000)
    p.add_argument("--quick", action="store_true", help="2,500 words, a 500-word preview (a smoke test)")
    args = p.parse_args()
    if args.quick:
        args.words, args.preview = 2_500, 500
    os.environ.setdefault("LATENTVIEW_CACHE_DIR", tempfile.mkdtemp(prefix="latentview-bench-"))
    from latentview.backends import projectors
    from latentview.services import projection
    from latentview.services.runner import drive
    from latentview.services.words import open_space, word_dataset

    space = drive(open_space(None))
    x = word_dataset(space, args.words).embeddings
    projectors.umap(x[:300])  # compile / load the numba kernels outside the timings: exact k-NN ...
    projectors.umap(x[:5_000], n_epochs=5)  # ... and NN-descent (above 4,096 rows)
    params = projectors.ProjectionParams("umap")
    projection.PREVIEW_ABOVE, projection.PREVIEW_ROWS = (
        min(projection.PREVIEW_ABOVE, args.words - 1),
        args.preview,
    )
    marks: dict[str, float] = {}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    parts = {}
    final = drive(projection.project(x, params, np.arange(args.preview)),
                  on_partial=lambda part: (marks.setdefault(part.label, time.perf_counter() - t0),
                                           marks.setdefault(part.label + " cpu", time.process_time() - cpu0),
                                           parts.setdefault(part.label, part.value)))  # fmt: skip
    marks["final"] = time.perf_counter() - t0
    t1, cpu1 = time.perf_counter(), time.process_time()
    plain = projectors.umap(x, **params.resolved())
    baseline, baseline_cpu = time.perf_counter() - t1, time.process_time() - cpu1
    print(f"{args.words:,} words × {x.shape[1]}-d, preview of the {args.preview:,} most frequent")
    print(f"PCA on the map            {marks['pca']:6.1f} s   10-NN recall {_recall(x, parts['pca']):.2f}")
    print(f"UMAP preview on the map   {marks['umap preview']:6.1f} s   10-NN recall "
          f"{_recall(x, parts['umap preview']):.2f}")  # fmt: skip
    print(f"full UMAP done            {marks['final']:6.1f} s   10-NN recall {_recall(x, final):.2f}")
    print(f"baseline: UMAP alone      {baseline:6.1f} s   10-NN recall {_recall(x, plain):.2f}")
    print(f"time to a readable map: {marks['umap preview']:.1f} s vs {baseline:.1f} s "
          f"({baseline / marks['umap preview']:.1f}× sooner); CPU {marks['umap preview cpu']:.1f} s vs "
          f"{baseline_cpu:.1f} s ({baseline_cpu / marks['umap preview cpu']:.1f}×)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
