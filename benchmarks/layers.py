"""How images separate as the network goes deeper: k-NN label accuracy (leave-one-out, cosine, in the
full space) on the demo images at each layer, from raw pixels to EfficientNet-Lite0's last layer.

    .venv/bin/python benchmarks/layers.py [--quick] [--k 5]

The figures are the layers sweep's (`services.compare.layer_sweep`, what `latentview compare --layers`
and the Compare window show), so the benchmark and the app can't disagree on the same input. --quick
uses 4 images per demo category (44) and every other stage; a test runs it.
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    from latentview.backends.demo import PER_CATEGORY, demo_folder
    from latentview.backends.embedders import BUILTIN_LAYERS, layers_for
    from latentview.services.compare import layer_sweep
    from latentview.services.runner import drive

    model = "efficientnet-lite0"
    folder = str(demo_folder(4 if args.quick else PER_CATEGORY))
    stages = [name for name, _, _ in BUILTIN_LAYERS[model]]
    layers = [layers_for(model)[0][0], *(stages[1::2] if args.quick else stages)]
    sweep = drive(layer_sweep(folder, model, k=args.k, layers=layers))
    print(f"{model} on the demo images, {args.k}-NN label accuracy (leave-one-out, cosine):")
    for row in sweep.rows:
        acc = "—" if row.accuracy is None else f"{row.accuracy:.3f}"
        print(f"  {row.title:<42} {row.dims:>5}-d  accuracy {acc}  ({sweep.n} images, {row.seconds:.1f} s)")


if __name__ == "__main__":
    main()
