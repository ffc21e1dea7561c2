"""`embed --engine ray` against the local engine, and a 2M-row shard folder on the desktop.

    .venv/bin/python benchmarks/ray_engine.py [--images 600] [--rows 2000000] [--quick] [--skip-shards]

1. Images/s on one folder of 1 MP JPEGs, same run: the local engine (decode thread + ONNX Runtime),
   then Ray Data on a local 2-CPU instance with 1 and 2 encoder actors (actor start and model load
   included; Ray's own start is timed apart).
2. A shard folder of N × 512 float32 rows in the `embed` schema, opened as the desktop opens it
   (Open Embeddings, from the tables feature) in a fresh process: open time, peak memory to the first
   PCA map, then the kNN index for clicks: build time, click → neighbours, recall@10 against exact.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's latentview


def make_photos(folder: str, n: int, size=(1152, 864)) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        base = rng.integers(0, 255, 3)
        grad = np.linspace(0, 1, size[0])[None, :, None] * rng.integers(0, 120, 3)
        noise = rng.normal(0, 12, (size[1] // 8, size[0] // 8, 3)).repeat(8, 0).repeat(8, 1)
        arr = np.clip(base + grad + noise, 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(os.path.join(folder, f"p{i:05d}.jpg"), quality=90)


def engines(folder: str, n: int) -> dict:
    from latentview.backends import ray_engine
    from latentview.backends.embedders import DEFAULT_MODEL, get_embedder
    from latentview.services.cluster_embed import ClusterOptions, embed_to_shards
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    get_embedder(DEFAULT_MODEL)  # the local engine's model load is not counted: it is per process
    t0 = time.perf_counter()
    drive(ingest_folder(folder, IngestOptions(use_cache=False)))
    out = {"local": n / (time.perf_counter() - t0)}
    ray = ray_engine.import_ray()
    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR,
             log_to_driver=False, configure_logging=False)  # fmt: skip
    out["ray_start_s"] = time.perf_counter() - t0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for workers in (1, 2):
                opts = ClusterOptions(DEFAULT_MODEL, workers=workers, chunk_size=max(8, n // 16))
                t0 = time.perf_counter()
                res = drive(embed_to_shards(folder, os.path.join(tmp, f"w{workers}"), opts))
                assert res.embedded == n
                out[f"ray{workers}"] = n / (time.perf_counter() - t0)
    finally:
        ray.shutdown()
    return out


def write_shards(folder: str, rows: int, dim: int, per_shard: int = 100_000) -> None:
    """N × dim rows in the `embed` schema (path, label, x, y, embedding list<float32>, error), 20
    clusters, as `--engine ray` writes them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from latentview.backends.shard_store import shard_name, shard_table

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (200, dim)).astype(np.float32)
    os.makedirs(folder, exist_ok=True)
    schema = shard_table([]).schema
    for i, s in enumerate(range(0, rows, per_shard)):
        m = min(per_shard, rows - s)
        lab = rng.integers(0, 200, m)
        x = centres[lab] + 0.8 * rng.standard_normal((m, dim), dtype=np.float32)
        emb = pa.ListArray.from_arrays(pa.array(np.arange(0, m * dim + 1, dim, dtype=np.int32)),
                                       pa.array(x.ravel()))  # fmt: skip
        t = pa.table({"path": pa.array([f"/data/img{s + j:08d}.jpg" for j in range(m)]),
                      "label": pa.array([f"c{v % 20}" for v in lab]),
                      "x": pa.array(np.full(m, np.nan)), "y": pa.array(np.full(m, np.nan)),
                      "embedding": emb, "error": pa.array([""] * m)}, schema=schema)  # fmt: skip
        pq.write_table(t, os.path.join(folder, shard_name(i)))


def peak_gb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 2**20


def shards_child(folder: str) -> dict:
    """In a fresh process: open the folder as the desktop does, first map, then the click index."""
    from latentview.backends import ann, knn
    from latentview.backends.projectors import pca
    from latentview.services.runner import drive

    tables = importlib.import_module("latentview.services.tables")  # Open Embeddings (the tables feature)

    base = peak_gb()
    t0 = time.perf_counter()
    ds = drive(tables.open_table(tables.TableSpec(folder)))
    out = {"rows": len(ds), "dtype": str(ds.embeddings.dtype), "open_s": time.perf_counter() - t0}
    pca(ds.embeddings)
    out["first_map_s"] = time.perf_counter() - t0
    out["first_map_peak_gb"] = peak_gb() - base
    t1 = time.perf_counter()
    search = knn.best_search(ds.embeddings)
    exact = knn.HalfPrecisionSearch(ds.embeddings)
    if isinstance(search, ann.IVFSearch):
        search.ready.wait()
        out["index_build_s"] = time.perf_counter() - t1
    queries = np.random.default_rng(1).integers(0, len(ds), 50)
    for name, s in (("click_ms", search), ("exact_click_ms", exact)):
        t = time.perf_counter()
        for q in queries:
            s.query(int(q), 12)
        out[name] = (time.perf_counter() - t) * 1000 / len(queries)
    out["recall_at_10"] = ann.recall_at_k(search, exact, queries, 10)
    out["search"] = type(search).__name__
    out["peak_gb"] = peak_gb() - base
    return out


def shards(rows: int, dim: int, ann_above: int | None, keep: str | None = None) -> dict | None:
    try:
        import latentview.services.tables  # noqa: F401  (Open Embeddings: the tables feature)
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or os.path.join(tmp, "shards")
        t0 = time.perf_counter()
        if not os.path.isdir(folder):
            write_shards(folder, rows, dim, per_shard=max(1000, rows // 20))
        written = time.perf_counter() - t0
        env = dict(os.environ, **({"LATENTVIEW_ANN_ABOVE": str(ann_above)} if ann_above else {}))
        res = subprocess.run([sys.executable, __file__, "--child", folder], capture_output=True, text=True,
                             env=env, check=True)  # fmt: skip
        out = json.loads(res.stdout.strip().splitlines()[-1])
        out["write_s"] = written
        return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=600)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--quick", action="store_true", help="16 images, 20,000 × 64 rows (what the test runs)")
    ap.add_argument("--skip-shards", action="store_true")
    ap.add_argument("--skip-engines", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="write the shard folder here (and reuse it if it exists)")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        if os.environ.get("LATENTVIEW_ANN_ABOVE"):
            from latentview.backends import ann

            ann.ANN_ABOVE = int(os.environ["LATENTVIEW_ANN_ABOVE"])
        print(json.dumps(shards_child(args.child)))
        return
    n, rows, dim = (16, 20_000, 64) if args.quick else (args.images, args.rows, args.dim)
    if not args.skip_engines:
        with tempfile.TemporaryDirectory() as tmp:
            make_photos(tmp, n, (320, 240) if args.quick else (1152, 864))
            r = engines(tmp, n)
        print(f"{n} JPEGs: local {r['local']:.1f} images/s; ray, 1 actor {r['ray1']:.1f}/s "
              f"({r['ray1'] / r['local']:.2f}×), 2 actors {r['ray2']:.1f}/s ({r['ray2'] / r['local']:.2f}×); "
              f"Ray start {r['ray_start_s']:.1f} s (not counted)")  # fmt: skip
    if not args.skip_shards:
        s = shards(rows, dim, ann_above=5_000 if args.quick else None, keep=args.keep)
        if s is None:
            print("shard folder: skipped (Open Embeddings, from the tables feature, is not in this checkout)")
            return
        print(f"{s['rows']:,} × {dim} shard folder (written in {s['write_s']:.0f} s): open {s['open_s']:.1f} s "
              f"({s['dtype']}), first PCA map {s['first_map_s']:.1f} s, peak +{s['first_map_peak_gb']:.2f} GiB; "
              f"{s['search']} built in {s.get('index_build_s', 0):.1f} s, click → neighbours "
              f"{s['click_ms']:.1f} ms (exact {s['exact_click_ms']:.1f} ms), recall@10 {s['recall_at_10']:.3f}, "
              f"peak with the index +{s['peak_gb']:.2f} GiB")  # fmt: skip


if __name__ == "__main__":
    main()
