"""How images separate as the network goes deeper: 5-NN label accuracy (leave-one-out, cosine, in the
full space) on the demo images at each layer, from raw pixels to EfficientNet-Lite0's last layer.

    .venv/bin/python benchmarks/layers.py [--quick] [--k 5]

--quick uses 4 images per demo category (44) instead of the demo's default; a test runs it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def knn_accuracy(embeddings: np.ndarray, labels: list[str], k: int) -> float:
    """Share of images whose k nearest others (cosine) vote for their own label (majority, ties → first)."""
    x = np.asarray(embeddings, np.float64)
    x = x - x.mean(0)  # centred: raw pixels are all-positive, so plain cosine would see mostly brightness
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    codes = np.unique(labels, return_inverse=True)[1]
    nearest = np.argsort(-sims, axis=1)[:, :k]
    votes = np.array([np.bincount(codes[row], minlength=codes.max() + 1).argmax() for row in nearest])
    return float((votes == codes).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    from latentview.backends.demo import PER_CATEGORY, demo_folder
    from latentview.backends.embedders import BUILTIN_LAYERS, layers_for
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    model = "efficientnet-lite0"
    folder = str(demo_folder(4 if args.quick else PER_CATEGORY))
    stages = [name for name, _, _ in BUILTIN_LAYERS[model]]
    layers = [layers_for(model)[0][0], *(stages[1::2] if args.quick else stages), None]
    titles = dict(layers_for(model))
    print(f"{model} on the demo images, {args.k}-NN label accuracy (leave-one-out, cosine):")
    for layer in layers:
        t0 = time.perf_counter()
        ref = f"{model}#{layer}" if layer else model
        ds = drive(ingest_folder(folder, IngestOptions(model=ref)))
        acc = knn_accuracy(ds.embeddings, ds.labels, args.k)
        print(f"  {titles[layer]:<42} {ds.embeddings.shape[1]:>5}-d  accuracy {acc:.3f}  "
              f"({len(ds)} images, {time.perf_counter() - t0:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
