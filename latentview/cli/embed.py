"""`latentview embed FOLDER -o OUT.parquet|.csv`: the image-map pipeline without a window."""

from __future__ import annotations

import argparse
import os
import sys
import time

from latentview.core.textsafe import display_path, printable


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="latentview embed", description=__doc__)
    p.add_argument("folder", help="a folder of images (with --engine ray also s3://…, gs://…, hdfs://…)")
    p.add_argument(
        "-o",
        "--output",
        help="OUT.parquet or OUT.csv (--update: default the map itself; --engine ray: OUT_DIR/)",
    )
    p.add_argument(
        "--update",
        metavar="MAP.parquet",
        help="add the folder's new images to this map without moving its points ('new' column)",
    )
    p.add_argument(
        "--model",
        default=None,
        help="image encoder: a built-in name (default: efficientnet-lite0) or your own PATH.onnx",
    )
    p.add_argument(
        "--layer",
        default=None,
        metavar="NAME",
        help="embedding layer: 'raw-pixels', a built-in stage (e.g. stage4) or a tensor of your "
        "ONNX graph (default: the last pooled layer)",
    )
    p.add_argument("--trust-code", action="store_true",
                   help="allow a TorchScript --model file, which is a program, to run")  # fmt: skip
    p.add_argument("--projection", choices=("pca", "umap", "tsne"), default="umap")
    p.add_argument("--no-cache", action="store_true", help="embed everything again, touch no cache")
    p.add_argument("--retry-failed", action="store_true", help="try again the files whose failure is cached")
    p.add_argument(
        "--clusters",
        action="store_true",
        help="add 'cluster' (-1 = noise) and 'cluster_name' columns (HDBSCAN in the full space)",
    )
    p.add_argument(
        "--k-means", type=int, metavar="K", help="with --clusters: k-means with K clusters instead"
    )
    p.add_argument(
        "--trust",
        action="store_true",
        help="add each point's kNN recall ('knn_recall') and print the map's trustworthiness",
    )
    p.add_argument("--trust-k", type=int, default=10, help="neighbours for --trust (default 10)")
    from latentview.cli.embed_ray import add_ray_arguments

    add_ray_arguments(p)
    return p


def main(argv: list[str]) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    args.output = args.output or args.update
    if not args.output:
        p.error("the following arguments are required: -o/--output")
    if args.engine == "ray":
        from latentview.cli.embed_ray import main_ray

        return main_ray(args)
    return embed_local(args)


def embed_local(args) -> int:
    """Embed on this machine (ingest with the cache, project or update a map, extra columns, write)."""
    from latentview.backends.embedders import DEFAULT_MODEL
    from latentview.backends.projectors import ProjectionParams
    from latentview.cli.failures import command_guard
    from latentview.cli.progress import ConsoleProgress
    from latentview.core.atomic import check_writable
    from latentview.services.export import write_table
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.projection import project
    from latentview.services.runner import drive

    if os.path.splitext(args.output)[1].lower() not in (".parquet", ".csv"):
        print("latentview embed: the output must end in .parquet or .csv", file=sys.stderr)
        return 2
    console = ConsoleProgress()
    t0 = time.perf_counter()
    with command_guard("latentview embed", console) as g:
        check_writable(args.output)  # before minutes of embedding, not after
        opts = IngestOptions(model=encoder_ref(args, DEFAULT_MODEL), use_cache=not args.no_cache,
                             retry_failed=args.retry_failed)  # fmt: skip
        dataset = drive(ingest_folder(args.folder, opts), console.progress, None, console.log)
        t_embed = time.perf_counter() - t0
        ext = None
        if args.update:
            from latentview.services.update import update_map

            ext = update_map(args.update, dataset)
            dataset, coords = ext.dataset, ext.coords
        else:
            coords = drive(project(dataset.embeddings, ProjectionParams(args.projection)), console.progress)
        columns, notes = extra_columns(args, dataset, coords, console)
        if ext is not None:
            columns["new"] = ext.is_new.tolist()
            notes.append(f"update: {ext.n_new} new points placed, {len(ext.keep)} kept where they were")
        rows = write_table(dataset, coords, args.output, columns=columns or None)
    if g.error is not None:
        return 1
    console.close()
    print_summary(args.output, dataset, rows, time.perf_counter() - t0, t_embed, notes)
    return 0


def print_summary(output: str, dataset, rows: int, secs: float, t_embed: float, notes: list[str]) -> None:
    n_ok, n_bad = len(dataset), len(dataset.failures)
    print(
        f"files {n_ok + n_bad}, embedded {n_ok}, failed {n_bad}, "
        f"{secs:.1f} s ({t_embed:.1f} s embedding), {n_ok / max(t_embed, 1e-9):.1f} images/s, "
        f"{rows} rows → {printable(display_path(os.path.abspath(output)))}"
    )
    for line in notes:
        print(printable(line))


def encoder_ref(args, default: str) -> str:
    """The encoder reference for --model/--layer; --trust-code marks a TorchScript file as agreed to."""
    from latentview.backends.own_models import make_ref, trust_code_file

    model = args.model or default
    if os.path.isfile(model):
        model = os.path.abspath(model)  # added models are remembered by absolute path
        if args.trust_code:
            trust_code_file(model)
    return make_ref(model, args.layer)


def extra_columns(args, dataset, coords, console) -> tuple[dict, list[str]]:
    """The optional --clusters / --trust columns, and the lines to print about them."""
    from latentview.services.runner import drive

    columns: dict = {}
    notes: list[str] = []
    if args.clusters or args.k_means:
        from latentview.services.clusters import ClusterParams, cluster_dataset

        params = ClusterParams("kmeans", k=args.k_means) if args.k_means else ClusterParams()
        clustering = drive(cluster_dataset(dataset, params), console.progress, None, console.log)
        columns["cluster"] = clustering.labels.astype(int).tolist()
        columns["cluster_name"] = clustering.point_names()
        sizes = clustering.sizes()
        top = ", ".join(f"{clustering.names[c]} ({sizes[c]})" for c in range(min(len(clustering), 8)))
        notes.append(f"clusters {len(clustering)} ({params.method}), noise {clustering.n_noise}: {top}")
    if args.trust:
        from latentview.services.trust import compute_trust

        trust = drive(
            compute_trust(dataset.embeddings, coords, args.trust_k), console.progress, None, console.log
        )
        columns["knn_recall"] = trust.recall.astype(float).tolist()
        approx = "" if trust.exact else " (estimated)"
        notes.append(f"trustworthiness {trust.trustworthiness:.4f}{approx} at k={trust.k}, "
                     f"mean kNN recall {float(trust.recall.mean()):.3f}")  # fmt: skip
    return columns, notes
