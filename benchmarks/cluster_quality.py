"""Cluster coverage and purity on folders that look like users' collections (backends/sample_sets.py),
embedded with the real default encoder: the defaults (UMAP-10 space, HDBSCAN eom, min size ~½·√N)
against the former ones (PCA-50 space, min size N/100) measured in the same run.

    .venv/bin/python benchmarks/cluster_quality.py [--per 40] [--sets everyday,figures,photos] [--quick]

coverage = share of points in a cluster; purity = share of clustered points whose folder is their
cluster's most common folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def coverage_purity(labels: np.ndarray, truth) -> tuple[float, float]:
    labels, truth = np.asarray(labels), np.asarray(truth)
    kept = labels >= 0
    hits = 0
    for c in np.unique(labels[kept]):
        _, counts = np.unique(truth[labels == c], return_counts=True)
        hits += int(counts.max())
    return float(kept.mean()), hits / max(1, int(kept.sum()))


def embed_set(name: str, root: str, per: int):
    from latentview.backends.sample_sets import write_set
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    folder = os.path.join(root, name)
    if not os.path.isdir(folder):
        write_set(name, folder, per)
    return drive(ingest_folder(folder, IngestOptions()))


def measure(dataset, params) -> tuple[float, float, int, float, float]:
    """coverage, purity, clusters, wall seconds, CPU seconds of this process (steadier on a busy box)."""
    from latentview.services.clusters import cluster_dataset
    from latentview.services.runner import drive

    t0, c0 = time.perf_counter(), time.process_time()
    c = drive(cluster_dataset(dataset, params))
    cov, pur = coverage_purity(c.labels, dataset.labels)
    return cov, pur, len(c), time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=40, help="images per category")
    ap.add_argument("--sets", default="everyday,figures,photos")
    ap.add_argument("--quick", action="store_true", help="one small set, defaults only")
    ap.add_argument("--root", default=None, help="where the sets are written (default: a temp folder)")
    args = ap.parse_args()
    from latentview.services.clusters import ClusterParams

    sets = ["figures"] if args.quick else args.sets.split(",")
    per = 8 if args.quick else args.per
    configs = {"default": ClusterParams()}
    if not args.quick:
        configs |= {"leaf": ClusterParams(selection="leaf"),
                    "+leftovers": ClusterParams(assign_leftovers=True),
                    "former (PCA-50, N/100)": ClusterParams(space="pca", min_cluster_size=-1)}  # fmt: skip
    from latentview.backends.clustering import umap_space

    umap_space(np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32))  # load UMAP's kernels once
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or tmp
        for name in sets:
            t0 = time.perf_counter()
            ds = embed_set(name, root, per)
            print(f"{name}: {len(ds)} images in {len(set(ds.labels))} folders, built+embedded "
                  f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
            for label, params in configs.items():
                if params.min_cluster_size == -1:  # the former rule
                    params = ClusterParams(
                        space="pca", min_cluster_size=max(5, min(500, round(len(ds) / 100)))
                    )
                cov, pur, k, secs, cpu = measure(ds, params)
                print(f"  {label:24s} coverage {cov:.2f}  purity {pur:.2f}  clusters {k:3d}  "
                      f"{secs:5.1f} s ({cpu:.1f} s CPU)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
