"""Open time and peak memory for an N × D float32 Parquet embeddings table (default 1,000,000 × 512):
latentview's Open Embeddings (vectors + a label column, to the first PCA map) next to plain
`pyarrow.parquet.read_table` of the same file, each in a fresh process.

    .venv/bin/python benchmarks/open_table.py [--n 1000000] [--dim 512] [--quick] [--keep FILE]

Peak memory is the process's peak resident set above what it held after its imports. The file is
written once (fixed-size-list vectors, as pyarrow writes a numpy matrix) into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's latentview


def peak_gb() -> float:
    """Peak resident memory of this process (VmHWM on Linux: ru_maxrss survives exec from the parent)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 2**20
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def reset_peak() -> None:
    try:  # Linux: reset the high-water mark to the current resident size
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def write(path: str, n: int, dim: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (20, dim)).astype(np.float32)
    schema = pa.schema([("label", pa.string()), ("embedding", pa.list_(pa.float32(), dim))])
    with pq.ParquetWriter(path, schema, compression="snappy") as w:
        for s in range(0, n, 100_000):
            m = min(100_000, n - s)
            lab = rng.integers(0, 20, m)
            x = centres[lab] + rng.standard_normal((m, dim), dtype=np.float32)
            vec = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), dim)
            w.write_table(
                pa.table({"label": pa.array([f"c{v}" for v in lab]), "embedding": vec}, schema=schema)
            )


def child(path: str, which: str) -> dict:
    import pyarrow.compute
    import pyarrow.dataset  # noqa: F401
    import pyarrow.parquet as pq

    from latentview.backends.projectors import pca
    from latentview.services.runner import drive
    from latentview.services.tables import TableSpec, open_table

    reset_peak()
    base = peak_gb()
    t0 = time.perf_counter()
    if which == "pyarrow":
        table = pq.read_table(path)
        out = {"open_s": time.perf_counter() - t0, "rows": table.num_rows}
    else:
        ds = drive(open_table(TableSpec(path)))
        out = {"open_s": time.perf_counter() - t0, "rows": len(ds), "dtype": str(ds.embeddings.dtype),
               "open_peak_gb": peak_gb() - base}  # fmt: skip
        t1 = time.perf_counter()
        pca(ds.embeddings)
        out["pca_s"] = time.perf_counter() - t1
        out["first_map_s"] = time.perf_counter() - t0
    out["peak_gb"] = peak_gb() - base
    return out


def run(path: str, which: str) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", which, "--file", path], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--quick", action="store_true", help="20,000 × 128 (seconds; what the test runs)")
    ap.add_argument("--keep", metavar="FILE", help="write the table here (and reuse it if it exists)")
    ap.add_argument("--child", choices=("pyarrow", "latentview"))
    ap.add_argument("--file")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.file, args.child)))
        return
    n, dim = (20_000, 128) if args.quick else (args.n, args.dim)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "table.parquet")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            write(path, n, dim)
            print(f"wrote {n:,} × {dim} float32 ({os.path.getsize(path) / 2**30:.2f} GiB) in "
                  f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        base = run(path, "pyarrow")
        ours = run(path, "latentview")
    data_gb = n * dim * 4 / 2**30
    print(f"{n:,} × {dim} float32 ({data_gb:.2f} GiB of vectors)")
    print(f"pyarrow.parquet.read_table: {base['open_s']:.1f} s, peak +{base['peak_gb']:.2f} GiB")
    print(f"latentview open: {ours['open_s']:.1f} s to the dataset ({ours['dtype']}), first PCA map "
          f"{ours['first_map_s']:.1f} s; peak +{ours['open_peak_gb']:.2f} GiB open "
          f"({ours['open_peak_gb'] / max(base['peak_gb'], 1e-9):.2f}× pyarrow's), +{ours['peak_gb']:.2f} GiB "
          "with the PCA map")  # fmt: skip
    print(json.dumps({"n": n, "dim": dim, "pyarrow": base, "latentview": ours}))


if __name__ == "__main__":
    main()
