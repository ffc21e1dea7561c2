"""`latentview words neighbors WORD` and `latentview words analogy A B C` (A − B + C): ranked words
with cosine scores, from the built-in GloVe 6B 50d or `--vectors FILE` (word2vec, GloVe, fastText, .kv).
"""

from __future__ import annotations

import argparse
import sys

from latentview.core.textsafe import printable


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="latentview words", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--vectors", metavar="FILE", help="a vectors file (default: built-in GloVe 6B 50d)")
        sp.add_argument("-k", type=int, default=10, help="how many words to print (default 10)")
        sp.add_argument("--trust-code", action="store_true",
                        help="allow a gensim .kv/.model file, a pickle that can run code (only if you trust it)")  # fmt: skip

    n = sub.add_parser("neighbors", aliases=["neighbours"], help="nearest words by cosine similarity")
    n.add_argument("word")
    common(n)
    a = sub.add_parser("analogy", help="A − B + C, e.g. king man woman → queen")
    a.add_argument("a")
    a.add_argument("b")
    a.add_argument("c")
    a.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    common(a)
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from latentview.cli.failures import command_guard
    from latentview.cli.progress import ConsoleProgress
    from latentview.services import words as svc
    from latentview.services.runner import drive

    console = ConsoleProgress(sys.stderr)  # the stream at call time (tests swap it)
    with command_guard("latentview words", console) as g:
        # A .kv/.model pickle can run code: only with --trust-code (the window asks instead).
        warn = lambda e: console.log(e) if e.level != "info" else None  # noqa: E731 (skipped rows)
        space = drive(svc.open_space(args.vectors, trusted=args.trust_code), console.progress, None, warn)
        console.close()
        if args.command == "analogy":
            results = svc.analogy(space, [args.a, args.c], [args.b], args.k, "mul" if args.cosmul else "add")
            title = (
                f"{args.a} − {args.b} + {args.c} ({'3CosMul' if args.cosmul else '3CosAdd'}, {space.name}):"
            )
        else:
            word = svc.resolve(space, args.word)
            results = space.neighbours(word, args.k)
            title = f"nearest to {word} ({space.name}, cosine similarity):"
    if g.error is not None:
        return 1
    print(printable(title))
    results = [(printable(w), s) for w, s in results]  # words come from the file: no raw escapes
    width = max((len(w) for w, _ in results), default=0)
    for rank, (w, score) in enumerate(results, 1):
        print(f"{rank:3d}. {w:<{width}}  {score:.4f}")
    return 0
