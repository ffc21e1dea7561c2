"""Time the layers sweep (`latentview compare --layers`): every stage of EfficientNet-Lite0, raw pixels →
last layer, on the demo images with an empty cache, then the measuring step at 10,000 items.

    .venv/bin/python benchmarks/compare_layers.py [--quick] [--n 10000]

The sweep embeds the folder once per layer through the ingest pipeline (timed here with the embedding
cache off; a second sweep with it on comes from the cache). Per layer it prints images/s; the 10k estimate is 10,000 / that rate for every layer plus
the measured cost of comparing 10,000 items at each layer's width (k-NN twice, CKA). --quick: 4
images per demo category and 2,000 items for the measuring step (a test runs it).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=10_000, help="items for the measuring step (and the estimate)")
    args = ap.parse_args()
    n_big = 2_000 if args.quick else args.n
    from latentview.backends.demo import PER_CATEGORY, demo_folder
    from latentview.core.compare import compare_spaces
    from latentview.services.compare import layer_sweep
    from latentview.services.runner import drive

    folder = str(demo_folder(4 if args.quick else PER_CATEGORY))
    t0 = time.perf_counter()
    sweep = drive(layer_sweep(folder, "efficientnet-lite0", k=10, use_cache=False))
    total = time.perf_counter() - t0
    print(f"EfficientNet-Lite0 layers sweep, {sweep.n} demo images, embedding cache off: {total:.1f} s")
    print(sweep.table())
    drive(layer_sweep(folder, "efficientnet-lite0", k=10))  # fills the embedding cache
    t1 = time.perf_counter()
    drive(layer_sweep(folder, "efficientnet-lite0", k=10))
    print(f"the same sweep again, every layer from the embedding cache: {time.perf_counter() - t1:.1f} s")

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 20, n_big)
    last = rng.normal(size=(n_big, sweep.rows[-1].dims)).astype(np.float32)
    embed_est = measure_est = 0.0
    print(f"\nper layer at {n_big:,} items: embedding (estimated from the rate above) + measuring (timed)")
    for r in sweep.rows:
        x = rng.normal(size=(n_big, r.dims)).astype(np.float32)
        t2 = time.perf_counter()
        compare_spaces(last, x, k=10, labels=labels)
        measure = time.perf_counter() - t2
        rate = sweep.n / max(r.seconds, 1e-9)
        embed = n_big / rate
        embed_est += embed
        measure_est += measure
        print(f"  {r.layer:<11} {rate:7.1f} img/s → embed {embed:7.1f} s   measure {measure:5.2f} s")
    print(f"{n_big:,} images × {len(sweep.rows)} layers: ≈ {(embed_est + measure_est) / 60:.1f} min "
          f"({embed_est:.0f} s embedding, {measure_est:.0f} s measuring); a second sweep: measuring only")  # fmt: skip


if __name__ == "__main__":
    main()
