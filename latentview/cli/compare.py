"""`latentview compare A B`: how far two latent spaces of the same items agree.

A and B are embeddings tables (any format `latentview TABLE` opens) or folders of images embedded
with an encoder: FOLDER (default model), FOLDER@MODEL, FOLDER@MODEL#LAYER or FOLDER#LAYER, e.g.
photos@efficientnet-lite0#stage3, photos#raw-pixels, photos@mine.onnx. Items are matched by path/id.
`latentview compare --layers FOLDER [--model M]` sweeps every layer of one model instead.
"""

from __future__ import annotations

import argparse
import csv
import os

from latentview.core.textsafe import csv_cell, display_path, printable

PROG = "latentview compare"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("spaces", nargs="*", metavar="SPACE", help="A and B: TABLE or FOLDER[@MODEL][#LAYER]")
    p.add_argument(
        "--layers", metavar="FOLDER", help="sweep every layer of --model on FOLDER (raw pixels → last)"
    )
    p.add_argument(
        "--model", help="the encoder for folders named without @MODEL (default efficientnet-lite0)"
    )
    p.add_argument("-k", type=int, default=10, help="neighbours per item (default 10)")
    p.add_argument(
        "-o", "--output", metavar="CSV", help="per-item overlap (A B) or the sweep table (--layers)"
    )
    p.add_argument("--no-cache", action="store_true", help="embed folders again, touch no cache")
    return p


def main(argv: list[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.layers and args.spaces:
        p.error("give either two spaces or --layers FOLDER, not both")
    if not args.layers and len(args.spaces) != 2:
        p.error("give two spaces to compare (A B), or --layers FOLDER")
    if args.k < 1:
        p.error("-k must be at least 1")
    if args.output and os.path.splitext(args.output)[1].lower() != ".csv":
        p.error("the output must end in .csv")

    from latentview.cli.failures import command_guard
    from latentview.cli.progress import ConsoleProgress

    console = ConsoleProgress()
    with command_guard(PROG, console) as g:
        if args.output:
            from latentview.core.atomic import check_writable

            check_writable(args.output)  # before minutes of embedding, not after
        lines = _sweep(args, console) if args.layers else _pair(args, console)
    if g.error is not None:
        return 1
    console.close()
    for line in lines:
        print(printable(line))
    return 0


def _pair(args, console) -> list[str]:
    from latentview.services.compare import compare_datasets, load_space, parse_space
    from latentview.services.runner import drive

    datasets = []
    for text in args.spaces:
        spec = parse_space(text, args.model)
        datasets.append(
            drive(load_space(spec, use_cache=not args.no_cache), console.progress, None, console.log)
        )
    a, b = datasets
    cmp = drive(compare_datasets(a, b, args.k), console.progress, None, console.log)
    console.close()
    r = cmp.result
    lines = [
        f"A {printable(args.spaces[0])}: {cmp.n_a:,} items, {a.embeddings.shape[1]}-d",
        f"B {printable(args.spaces[1])}: {cmp.n_b:,} items, {b.embeddings.shape[1]}-d",
        f"matched {len(cmp.ia):,} items; only in A {cmp.only_a:,}, only in B {cmp.only_b:,}",
        f"mean {r.k}-NN overlap {r.mean_overlap:.3f} (chance ≈ {r.k / max(len(cmp.ia) - 1, 1):.3f})"
        + ("" if len(r.rows) == len(cmp.ia) else f", from a sample of {len(r.rows):,} items"),
        f"linear CKA {r.cka:.3f}",
    ]
    if r.accuracy_a is not None:
        lines.append(f"{r.k}-NN label accuracy: A {r.accuracy_a:.3f}, B {r.accuracy_b:.3f}")
    else:
        lines.append("no labels shared by the items: k-NN label accuracy not computed")
    if args.output:
        _write_per_point(args.output, cmp)
        lines.append(f"per-item overlap → {display_path(os.path.abspath(args.output))}")
    return lines


def _write_per_point(path: str, cmp) -> None:
    from latentview.core.atomic import atomic_open

    with atomic_open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "label", "row_a", "row_b", "overlap"])
        for j, item in enumerate(cmp.items):
            value = cmp.result.overlap[j]
            label = "" if cmp.labels is None else cmp.labels[j]
            w.writerow([csv_cell(item), csv_cell(label), int(cmp.ia[j]), int(cmp.ib[j]),
                        "" if value != value else f"{value:.4f}"])  # fmt: skip


def _sweep(args, console) -> list[str]:
    from latentview.backends.embedders import DEFAULT_MODEL
    from latentview.services.compare import layer_sweep
    from latentview.services.runner import drive

    sweep = drive(layer_sweep(args.layers, args.model or DEFAULT_MODEL, args.k, use_cache=not args.no_cache),
                  console.progress, None, console.log)  # fmt: skip
    console.close()
    lines = [f"{sweep.model} on {display_path(sweep.folder)}: {sweep.n:,} images, {sweep.k}-NN, "
             f"{sweep.seconds:.1f} s", *sweep.table().splitlines()]  # fmt: skip
    if args.output:
        from latentview.core.atomic import atomic_open

        with atomic_open(args.output, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(
                ["layer", "dims", "knn_accuracy", "overlap_with_last", "cka_with_last", "embed_seconds"]
            )
            for r in sweep.rows:
                w.writerow([r.layer, r.dims, "" if r.accuracy is None else f"{r.accuracy:.4f}",
                            f"{r.overlap_last:.4f}", f"{r.cka_last:.4f}", f"{r.seconds:.2f}"])  # fmt: skip
        lines.append(f"sweep → {display_path(os.path.abspath(args.output))}")
    return lines
