"""Load times for word vectors: the built-in GloVe 6B 50d and a generated 400k-word file.

    python benchmarks/words_load.py [--words 400000] [--dim 50] [--formats glove-text,word2vec-bin] [--quick]

The generated file uses the real GloVe vectors (tiled/padded to --dim), written once under /tmp.
Each file is timed twice: the first open parses it (latentview's bounded reader); the second reads the npy cache.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np


def _generate(path: str, fmt: str, n: int, dim: int) -> None:
    from latentview.backends.words import builtin_vectors, keyed_vectors

    kv = builtin_vectors()
    base = np.asarray(kv.vectors[:n])
    vecs = np.tile(base, (1, -(-dim // base.shape[1])))[:, :dim].astype(np.float32)
    words = kv.index_to_key[:n]
    if fmt == "word2vec-bin":
        keyed_vectors(words, vecs).save_word2vec_format(path, binary=True)
        return
    from latentview.core.atomic import atomic_open

    with atomic_open(path, "w", encoding="utf-8") as fh:
        for start in range(0, n, 20_000):
            block = np.char.mod("%.5f", vecs[start : start + 20_000])
            fh.writelines(
                w + " " + " ".join(row) + "\n" for w, row in zip(words[start : start + 20_000], block)
            )


def _open(path: str | None) -> tuple[float, object]:
    from latentview.services.runner import drive
    from latentview.services.words import open_space

    t0 = time.perf_counter()
    space = drive(open_space(path, trusted=False))
    return time.perf_counter() - t0, space


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--words", type=int, default=400_000)
    p.add_argument("--dim", type=int, default=50)
    p.add_argument("--formats", default="glove-text,word2vec-bin")
    p.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    args = p.parse_args()
    if args.quick:
        args.words = 2_000
    os.environ.setdefault("LATENTVIEW_CACHE_DIR", tempfile.mkdtemp(prefix="latentview-bench-"))

    t0 = time.perf_counter()
    import gensim.models  # noqa: F401  (timed separately: every load pays it once per process)

    print(f"import gensim: {time.perf_counter() - t0:.2f} s")
    secs, space = _open(None)
    print(f"built-in {space.describe()}: {secs:.2f} s")
    secs, _ = _open(None)
    print(f"built-in again (same process): {secs:.2f} s")

    for fmt in args.formats.split(","):
        ext = ".bin" if fmt == "word2vec-bin" else ".txt"
        path = os.path.join(tempfile.gettempdir(), f"latentview-bench-{args.words}x{args.dim}-{fmt}{ext}")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            _generate(path, fmt, args.words, args.dim)
            print(
                f"generated {path} ({os.path.getsize(path) / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s"
            )
        first, space = _open(path)
        again, cached = _open(path)
        print(f"{fmt} {args.words:,} × {args.dim}: first open {first:.2f} s "
              f"({len(space) / first:,.0f} words/s), cached reopen {again:.2f} s (cache hit: {cached.cached})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
