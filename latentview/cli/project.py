"""`latentview project TABLE -o OUT.parquet|.csv`: your own embeddings table → the same table with x, y
(and cluster, cluster_name, knn_recall when asked) added. Every input column is kept; rows skipped
for NaN/inf vectors keep empty coordinates."""

from __future__ import annotations

import argparse
import os
import sys
import time

from latentview.core.textsafe import display_path


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="latentview project", description=__doc__)
    p.add_argument("table", help="Parquet (file or folder of shards), Arrow/Feather, CSV/TSV, .npy/.npz, "
                   "a projector vectors.tsv, or a latentview export")  # fmt: skip
    p.add_argument("-o", "--output", required=True, help="OUT.parquet or OUT.csv")
    add_table_options(p)
    p.add_argument("--projection", choices=("pca", "umap", "tsne"), default="umap")
    p.add_argument("--clusters", action="store_true", help="add 'cluster' (-1 = noise) and 'cluster_name'")
    p.add_argument("--k-means", type=int, metavar="K", help="with --clusters: k-means with K clusters")
    p.add_argument("--trust", action="store_true", help="add each point's kNN recall ('knn_recall')")
    p.add_argument("--trust-k", type=int, default=10, help="neighbours for --trust (default 10)")
    return p


def add_table_options(p: argparse.ArgumentParser) -> None:
    """The options shared with `latentview TABLE` (the window)."""
    p.add_argument("--metadata", metavar="FILE", help="metadata CSV/TSV for .npy/.npz or a vectors.tsv")
    p.add_argument("--vectors", metavar="COL", help="the vector column (a list column, or a prefix of "
                   "numbered columns such as emb_ for emb_0…emb_511; comma-separated names also work)")  # fmt: skip
    p.add_argument("--label", metavar="COL", help="the column that colours the map ('' for none)")
    p.add_argument("--text", metavar="COL", help="the text column shown as words on the map")
    p.add_argument("--image", metavar="COL", help="the column of image paths")
    p.add_argument("--embed-text", metavar="COL",
                   help="a table without vectors: embed this text column with all-MiniLM-L6-v2 (offline)")  # fmt: skip


def spec_from_args(args):
    from latentview.services.tables import TableSpec

    choices = {}
    if args.vectors:
        names = [v.strip() for v in args.vectors.split(",") if v.strip()]
        choices["vectors"] = names[0] if len(names) == 1 else names
    for role in ("label", "text", "image"):
        value = getattr(args, role, None)
        if value is not None:
            choices[role] = value
    return TableSpec(args.table, args.metadata, choices, args.embed_text)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from latentview.backends.projectors import ProjectionParams
    from latentview.cli.embed import extra_columns
    from latentview.cli.progress import ConsoleProgress
    from latentview.core.errors import UserError
    from latentview.services.projection import project
    from latentview.services.runner import drive
    from latentview.services.table_write import write_back
    from latentview.services.tables import open_table

    if os.path.splitext(args.output)[1].lower() not in (".parquet", ".csv"):
        print("latentview project: the output must end in .parquet or .csv", file=sys.stderr)
        return 2
    console = ConsoleProgress(sys.stderr)
    t0 = time.perf_counter()
    try:
        dataset = drive(open_table(spec_from_args(args)), console.progress, None, console.log)
        coords = drive(project(dataset.embeddings, ProjectionParams(args.projection)), console.progress)
        columns, notes = extra_columns(args, dataset, coords, console)
        columns = {"x": coords[:, 0], "y": coords[:, 1], **columns}
        rows = write_back(dataset, columns, args.output)
    except UserError as exc:
        console.close()
        print(f"latentview project: {exc}", file=sys.stderr)
        return 1
    console.close()
    table = dataset.meta["table"]
    skipped = table["n_rows"] - len(dataset)
    print(f"rows {table['n_rows']:,}, mapped {len(dataset):,}, skipped {skipped:,} (NaN/inf), "
          f"{dataset.embeddings.shape[1]}-d, {args.projection}, {time.perf_counter() - t0:.1f} s, "
          f"{rows:,} rows → {display_path(os.path.abspath(args.output))}")  # fmt: skip
    for line in notes:
        print(line)
    return 0
