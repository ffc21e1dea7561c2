"""Whole-pipeline images/s next to the raw model's images/s (same batch, same threads, same run),
and time-to-map for a cached reopen of a 2,000-image folder.

    .venv/bin/python benchmarks/embed_folder.py [--images 160] [--cached 2000] [--model efficientnet-lite0] [--quick]
    .venv/bin/python benchmarks/embed_folder.py --make-only FOLDER [--images N]   # just write the JPEGs
      (scripts/build_app.sh: the frozen app and the Python install then embed the same folder)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def make_jpegs(folder: Path, n: int, size=(1152, 864)) -> None:
    """1-megapixel JPEGs with photo-like content (random crops of the built-in photos, resized)."""
    from PIL import Image
    from skimage import data

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket(), data.hubble_deep_field()]
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        s = int(min(h, w) * rng.uniform(0.5, 1.0))
        y, x = rng.integers(0, h - s + 1), rng.integers(0, w - s + 1)
        img = Image.fromarray(src[y : y + s, x : x + s]).resize(size, Image.Resampling.BILINEAR)
        (folder / f"c{i % 5}").mkdir(exist_ok=True)
        img.save(folder / f"c{i % 5}" / f"{i:05d}.jpg", quality=90)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=160)
    ap.add_argument("--cached", type=int, default=2000)
    ap.add_argument("--model", default="efficientnet-lite0")
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    ap.add_argument("--make-only", metavar="FOLDER", help="only write --images JPEGs into FOLDER")
    args = ap.parse_args()
    if args.make_only:
        make_jpegs(Path(args.make_only), args.images)
        return
    if args.quick:
        args.images, args.cached = 16, 200
    tmp = Path(tempfile.mkdtemp(prefix="lv-bench-"))
    onnx_cache = os.environ.get("LATENTVIEW_CACHE_DIR")
    os.environ["LATENTVIEW_CACHE_DIR"] = str(tmp / "cache")
    if args.quick and onnx_cache and os.path.isdir(os.path.join(onnx_cache, "onnx")):
        # Quick: reuse an existing ONNX export (the export itself is not what this measures).
        os.makedirs(tmp / "cache", exist_ok=True)
        shutil.copytree(os.path.join(onnx_cache, "onnx"), tmp / "cache" / "onnx")
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path) -> None:

    from latentview.backends.embedders import get_embedder
    from latentview.backends.images import load_rgb, scan_images
    from latentview.services.ingest import IngestOptions, default_threads, ingest_folder
    from latentview.services.runner import drive

    folder = tmp / "photos"
    make_jpegs(folder, args.images)
    t_threads, d_threads = default_threads()
    embedder = get_embedder(args.model)
    embedder.set_threads(t_threads)
    files = scan_images(str(folder)).files
    batch = np.stack([load_rgb(f, embedder.input_size) for f in files[:8]])
    embedder.embed(batch)  # warm-up
    t0 = time.perf_counter()
    reps = max(1, args.images // 8)
    for _ in range(reps):
        embedder.embed(batch)
    raw = reps * 8 / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    for f in files[:40]:
        load_rgb(f, embedder.input_size)
    decode_ms = (time.perf_counter() - t0) / 40 * 1000

    t0 = time.perf_counter()
    ds = drive(ingest_folder(str(folder), IngestOptions(model=args.model, use_cache=False)))
    pipe = len(ds) / (time.perf_counter() - t0)
    print(f"model {args.model} on {embedder.runtime}, batch 8, inference threads {t_threads}, decode threads {d_threads}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"decode+resize of a 1 MP JPEG (draft mode): {decode_ms:.1f} ms")
    torch_model = get_embedder(args.model, "torch")
    torch_model.set_threads(t_threads)
    torch_model.embed(batch)
    t0 = time.perf_counter()
    for _ in range(max(1, reps // 4)):
        torch_model.embed(batch)
    torch_rate = max(1, reps // 4) * 8 / (time.perf_counter() - t0)
    a, b = embedder.embed(batch), torch_model.embed(batch)
    cos = ((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min()
    print(
        f"raw model:      {raw:6.1f} images/s  (torch eager: {torch_rate:.1f} images/s; "
        f"min cosine ONNX vs torch {cos:.5f})"
    )
    print(f"whole pipeline: {pipe:6.1f} images/s  ({pipe / raw:.2f} of raw)  on {len(ds)} × 1 MP JPEGs")

    # Cached reopen: fill the cache for N real files, then time folder → PCA map.
    from latentview.backends.cache import EmbeddingCache, file_key
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.projection import project

    big = tmp / "cached"
    from PIL import Image

    for i in range(args.cached):
        d = big / f"c{i % 10}"
        d.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (i % 256, 0, 0)).save(d / f"{i:05d}.png")
    cache = EmbeddingCache()
    rng = np.random.default_rng(1)
    rows = [
        (file_key(p), rng.normal(size=1280).astype(np.float32), None) for p in scan_images(str(big)).files
    ]
    cache.store(args.model, rows)
    cache.close()
    t0 = time.perf_counter()
    ds = drive(ingest_folder(str(big), IngestOptions(model=args.model)))
    t_load = time.perf_counter() - t0
    coords = drive(project(ds.embeddings, ProjectionParams("pca")))
    t_map = time.perf_counter() - t0
    assert len(coords) == args.cached
    print(f"cached reopen of {args.cached} images: embeddings {t_load * 1000:.0f} ms, "
          f"PCA map {t_map * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
