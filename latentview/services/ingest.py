"""Folder → embeddings: scan, cache lookup, decode in parallel with inference, cache each batch."""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from latentview.backends import embedders as embedders_mod
from latentview.backends.cache import EmbeddingCache, file_key
from latentview.backends.images import ImageLoadError, label_for, load_rgb, scan_images
from latentview.backends.paths import display_path
from latentview.core.dataset import Dataset, Failure
from latentview.core.errors import UserError
from latentview.core.progress import Log, Progress, RateMeter


class IngestError(UserError):
    """The folder as a whole cannot be mapped (missing, empty, nothing readable)."""


@dataclass
class IngestOptions:
    model: str = embedders_mod.DEFAULT_MODEL
    use_cache: bool = True
    batch_size: int = 8  # batch 32 page-faults on these machines; 8 is the measured sweet spot
    threads: int | None = None  # inference threads; default from default_threads()
    decode_workers: int | None = None
    label_depth: int = 1  # label = first sub-folder level (1) or the full relative folder path (0)


def default_threads() -> tuple[int, int]:
    """(inference threads, decode threads), from measurements on 2-core machines.

    With ONNX Runtime and reduced-scale JPEG decoding (~3 ms per 1 MP photo), one decode thread keeps
    one inference thread fed (pipeline 0.99 of the model's own rate); a second decode thread only
    competes with inference for the cores (0.90). benchmarks/embed_folder.py measures it. Env
    LATENTVIEW_THREADS overrides the inference count.
    """
    cores = os.cpu_count() or 1
    infer = int(os.environ.get("LATENTVIEW_THREADS", max(1, cores // 2)))
    decode = max(1, cores - infer)
    return infer, decode


def _load(path: str, size: int):
    try:
        return load_rgb(path, size), None
    except ImageLoadError as exc:
        return None, str(exc)
    except Exception as exc:
        return (
            None,
            f"unexpected decoder error: {type(exc).__name__}: {exc}".splitlines()[0],
        )


HALF_PRECISION_ABOVE = 64_000_000  # values (e.g. 50k images × 1280): store float16, half the memory


def _stack(vectors: dict[str, np.ndarray], files: list[str]) -> np.ndarray:
    """One (N, D) array; float16 for big sets (cosine neighbours are unchanged to ~1e-3, and the
    search, projections and exports all read float16 without a float32 copy)."""
    dim = len(vectors[files[0]])
    dtype = np.float16 if len(files) * dim >= HALF_PRECISION_ABOVE else np.float32
    out = np.empty((len(files), dim), dtype)
    for i, p in enumerate(files):
        out[i] = vectors[p]
    return out


def ingest_folder(root: str, options: IngestOptions | None = None):
    """Generator: yields Progress/Log; returns a Dataset of every readable image under `root`."""
    opts = options or IngestOptions()
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise IngestError(f"Folder not found: {display_path(root)}")
    yield Progress(0, 0, "Scanning folder")
    scan = scan_images(root)
    failures = [Failure(p, r) for p, r in scan.problems]
    for f in failures:
        yield Log(f"{display_path(f.item)}: {f.reason}")
    if not scan.files:
        raise IngestError(f"No image files found in {display_path(root)}.")

    keys: dict[str, tuple[bytes, int, int]] = {}
    for path in scan.files:
        try:
            keys[path] = file_key(path)
        except OSError as exc:
            failures.append(Failure(path, f"cannot read file: {exc.strerror}"))
    files = [p for p in scan.files if p in keys]

    cache = EmbeddingCache() if opts.use_cache else None
    vectors: dict[str, np.ndarray] = {}
    errors: dict[str, str] = {}
    executor = None
    try:
        if cache is not None:
            yield Progress(0, len(files), "Reading cache")
            hits = cache.lookup(opts.model, [keys[p] for p in files])
            for p in files:
                entry = hits.get(keys[p][0])
                if entry is None:
                    continue
                if entry.embedding is not None:
                    vectors[p] = entry.embedding
                else:
                    errors[p] = entry.error or "unreadable"
        todo = [p for p in files if p not in vectors and p not in errors]
        done0 = len(files) - len(todo)
        if todo:
            yield Progress(done0, len(files), f"Loading model {opts.model}")
            embedder = embedders_mod.get_embedder(opts.model)
            t_threads, d_threads = default_threads()
            if hasattr(embedder, "set_threads"):
                embedder.set_threads(opts.threads or t_threads)
            executor = ThreadPoolExecutor(opts.decode_workers or d_threads, "latentview-decode")
            meter = RateMeter(len(files), start_done=done0)
            bs = opts.batch_size
            batches = [todo[i : i + bs] for i in range(0, len(todo), bs)]
            pending: deque = deque()
            size = embedder.input_size

            def submit(batch):
                pending.append((batch, [executor.submit(_load, p, size) for p in batch]))

            for batch in batches[:3]:
                submit(batch)
            next_batch = 3
            done = done0
            yield meter.update(done, "Embedding", "img")
            while pending:
                batch, futures = pending.popleft()
                if next_batch < len(batches):
                    submit(batches[next_batch])
                    next_batch += 1
                results = [f.result() for f in futures]
                good = [i for i, (img, _) in enumerate(results) if img is not None]
                rows = []
                if good:
                    emb = embedder.embed(np.stack([results[i][0] for i in good]))
                    for j, i in enumerate(good):
                        vectors[batch[i]] = emb[j]
                        rows.append((keys[batch[i]], emb[j], None))
                for i, (img, err) in enumerate(results):
                    if img is None:
                        errors[batch[i]] = err
                        rows.append((keys[batch[i]], None, err))
                if cache is not None:
                    cache.store(opts.model, rows)
                for i, (img, err) in enumerate(results):
                    if img is None:
                        yield Log(f"{display_path(batch[i])}: {err}")
                done += len(batch)
                yield meter.update(done, "Embedding", "img")
        else:
            for p, err in errors.items():
                yield Log(f"{display_path(p)}: {err} (cached)")
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if cache is not None:
            cache.close()

    good_files = [p for p in files if p in vectors]
    failures += [Failure(p, errors[p]) for p in files if p in errors]
    if not good_files:
        raise IngestError(f"None of the {len(files)} image files in {display_path(root)} could be read.")
    return Dataset(
        kind="images",
        items=good_files,
        labels=[label_for(p, root, opts.label_depth) for p in good_files],
        embeddings=_stack(vectors, good_files),
        source=root,
        model=opts.model,
        failures=failures,
    )
