"""`latentview embed SOURCE -o OUT_DIR/ --engine ray`: the same rows, spread over Ray (docs/cluster.md)."""

from __future__ import annotations

import argparse
import sys


def add_ray_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("engine")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="'ray': Ray Data on a local instance or a cluster; the output is a folder of "
                   "Parquet shards (pip install 'latentview[cluster]')")  # fmt: skip
    g.add_argument("--address", default=None,
                   help="Ray cluster to join (default: RAY_ADDRESS, else a local instance)")  # fmt: skip
    g.add_argument("--workers", type=int, default=2, help="encoder actors (default 2)")
    g.add_argument("--chunk-size", type=int, default=256, help="files per task and per shard (default 256)")


def main_ray(args) -> int:
    """Embed into shards; exits 0 when every chunk is written (bad files are rows with their error)."""
    import os
    import time

    from latentview.backends.embedders import DEFAULT_MODEL
    from latentview.cli.embed import encoder_ref
    from latentview.cli.failures import command_guard
    from latentview.cli.progress import ConsoleProgress
    from latentview.core.textsafe import display_path, printable
    from latentview.services.cluster_embed import ClusterOptions, embed_to_shards
    from latentview.services.runner import drive

    prog = "latentview embed"
    if os.path.splitext(args.output.rstrip("/"))[1].lower() in (".parquet", ".csv"):
        print(
            f"{prog}: --engine ray writes a folder of shards: give -o a folder, not a file", file=sys.stderr
        )
        return 2
    if args.workers < 1 or args.chunk_size < 1:
        print(f"{prog}: --workers and --chunk-size must be at least 1", file=sys.stderr)
        return 2
    console = ConsoleProgress()
    t0 = time.perf_counter()
    with command_guard(prog, console) as g:
        opts = ClusterOptions(encoder_ref(args, DEFAULT_MODEL), args.address, args.workers, args.chunk_size)
        result = drive(embed_to_shards(args.folder, args.output, opts), console.progress, None, console.log)
    if g.error is not None:
        return 1
    console.close()
    secs = time.perf_counter() - t0
    out = display_path(os.path.abspath(args.output) if "://" not in args.output else args.output)
    print(
        f"files {result.files}, embedded {result.embedded}, failed {result.failed}, {secs:.1f} s, "
        f"{result.embedded_now / max(secs, 1e-9):.1f} images/s, shards written {result.shards_written}, "
        f"kept {result.shards_skipped} → {printable(out)}"
    )
    return 0
