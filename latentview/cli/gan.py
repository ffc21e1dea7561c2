"""`latentview gan render|strip`: images from a generator without a window.

    latentview gan render --seed 7 [--direction 1 --amount 2] [--generator FILE|NAME] -o out.png
    latentview gan strip --seed 7 --direction 1 [--steps 7 --range 3] -o strip.png

Directions are GANSpace components, numbered from 1 (PC1 is the strongest), amounts in sigmas.
The same seed always gives the same pixels.
"""

from __future__ import annotations

import argparse

from latentview.core.textsafe import printable


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="latentview gan", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("render", "render one image"), ("strip", "a row of images along a direction")):
        s = sub.add_parser(name, help=text)
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--generator", default=None, help="face-dcgan (default), digits-vae, or a file")
        s.add_argument(
            "--latent-size", type=int, default=None, help="for TorchScript files whose nz is unknown"
        )
        s.add_argument("--scale", type=float, default=1.0, help="truncation: multiply the latent (default 1)")
        s.add_argument(
            "--direction", type=int, default=None if name == "render" else 1, help="PC number, from 1"
        )
        s.add_argument("--size", type=int, default=None, help="upscale to about this many pixels")
        s.add_argument("-o", "--output", required=True, help="PNG file")
        s.add_argument("--trust-code", action="store_true",
                       help="allow a TorchScript file (a program: it runs in a child process with a time limit)")  # fmt: skip
        if name == "render":
            s.add_argument("--amount", type=float, default=0.0, help="sigmas along --direction")
        else:
            s.add_argument("--steps", type=int, default=7)
            s.add_argument("--range", type=float, default=3.0, help="from -RANGE to +RANGE sigmas")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)

    import numpy as np

    from latentview.backends.generators import (
        DEFAULT_GENERATOR,
        get_generator,
        load_generator_file,
        register_loaded,
    )
    from latentview.cli.failures import command_guard
    from latentview.cli.progress import ConsoleProgress
    from latentview.core.atomic import check_writable
    from latentview.core.errors import UserError
    from latentview.services import gan
    from latentview.services.runner import drive

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # the desktop bundle: built-in generators run on ONNX Runtime
        pass
    console = ConsoleProgress()
    with command_guard("latentview gan", console) as g:
        check_writable(args.output)
        name = args.generator or DEFAULT_GENERATOR
        if args.latent_size is not None:
            gen = get_generator(
                register_loaded(load_generator_file(name, args.latent_size, args.trust_code), name)
            )
        else:
            gen = get_generator(name, trusted=args.trust_code)
        z = args.scale * gan.latent_for_seed(args.seed, gen.nz)
        direction = None
        if args.direction is not None:
            dirs = drive(gan.compute_directions(gen), console.progress)
            if not 1 <= args.direction <= len(dirs):
                raise UserError(f"--direction must be between 1 and {len(dirs)}.")
            direction = dirs.vectors[args.direction - 1] * dirs.sigma[args.direction - 1]
        size = args.size or gen.image_size
        if args.command == "render":
            if direction is not None:
                z = z + args.amount * direction
            img = gan.upscale(gen.render(z[None])[0], size)
        else:
            amounts = np.linspace(-args.range, args.range, max(args.steps, 2))
            img = gan.strip(gen.render(gan.along_direction(z, direction, amounts)), size)
        gan.save_png(img, args.output)
    if g.error is not None:
        return 1
    console.close()
    print(printable(f"{args.output}: {img.shape[1]}×{img.shape[0]} ({gen.name}, seed {args.seed})"))
    return 0
