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
from latentview.core.dataset import Dataset, Failure
from latentview.core.errors import UserError
from latentview.core.progress import Log, Progress, RateMeter
from latentview.core.textsafe import display_path


class IngestError(UserError):
    """The folder as a whole cannot be mapped (missing, empty, nothing readable)."""


@dataclass
class IngestOptions:
    model: str = embedders_mod.DEFAULT_MODEL
    use_cache: bool = True
    batch_size: int = 8  # batch 32 page-faults on these machines; 8 is the measured sweet spot
    threads: int | None = None  # inference threads; default from default_threads()
    decode_workers: int | None = None
    retry_failed: bool = False  # try files again whose failure is cached ("Retry Failed Files")
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
    """(image, None, False) or (None, reason, transient)."""
    try:
        return load_rgb(path, size), None, False
    except ImageLoadError as exc:
        return None, str(exc), exc.transient
    except Exception as exc:
        return None, f"unexpected decoder error: {type(exc).__name__}: {exc}".splitlines()[0], False


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
    """Generator: yields Progress/Log; returns a Dataset of every readable image under `root`.

    The embedding cache never stops a run: its faults become one Log line each (see backends.cache).
    """
    opts = options or IngestOptions()
    root = os.path.abspath(root)
    files, keys, failures = yield from _scan(root)
    cache = EmbeddingCache() if opts.use_cache else None
    vectors: dict[str, np.ndarray] = {}
    errors: dict[str, str] = {}
    try:
        if cache is not None:
            yield from _cache_notes(cache)
            yield Progress(0, len(files), "Reading cache")
            yield from _read_cache(cache, opts, files, keys, vectors, errors)
        todo = [p for p in files if p not in vectors and p not in errors]
        if todo:
            yield from _embed(todo, len(files), keys, opts, cache, vectors, errors)
    finally:
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


def _scan(root: str):
    """Generator: the image files under `root`, their cache keys, and the failures found so far."""
    if not os.path.isdir(root):
        raise IngestError(f"Folder not found: {display_path(root)}")
    yield Progress(0, 0, "Scanning folder")
    scan = scan_images(root)
    failures = [Failure(p, r) for p, r in scan.problems]
    for f in failures:
        yield Log(f"{display_path(f.item)}: {f.reason}")
    if not scan.files:
        raise IngestError(f"No image files found in {display_path(root)}.")
    keys: dict[str, tuple] = {}
    for path in scan.files:
        try:
            keys[path] = file_key(path)
        except OSError as exc:
            failures.append(Failure(path, f"cannot read file: {exc.strerror}"))
            yield Log(f"{display_path(path)}: cannot read file: {exc.strerror}")
    return [p for p in scan.files if p in keys], keys, failures


def _cache_notes(cache: EmbeddingCache):
    for note in cache.take_notes():
        yield Log(note)


def _read_cache(cache: EmbeddingCache, opts: IngestOptions, files, keys, vectors, errors):
    """Generator: fill `vectors` and `errors` from the cache; logs cached failures once."""
    model_key = embedders_mod.cache_id(opts.model)  # content hash + layer for model files
    hits = cache.lookup(model_key, [keys[p] for p in files], retry_failed=opts.retry_failed)
    yield from _cache_notes(cache)
    for p in files:
        entry = hits.get(keys[p][0])
        if entry is None:
            continue
        if entry.embedding is not None:
            vectors[p] = entry.embedding
        else:
            errors[p] = entry.error or "unreadable"
            yield Log(f"{display_path(p)}: {errors[p]} (cached)")
    if errors:
        yield Log(f"{len(errors)} file(s) failed before and were not tried again; use Retry Failed Files "
                  "(or embed --retry-failed) after fixing them.", "info")  # fmt: skip


def _embed(todo: list[str], total: int, keys, opts: IngestOptions, cache, vectors, errors):
    """Generator: decode in parallel with inference, store each batch in the cache, log failures.

    Transient failures (permission denied, a vanished file) are reported but never cached."""
    done = total - len(todo)
    yield Progress(done, total, f"Loading model {opts.model}")
    note = embedders_mod.network_note(opts.model)
    if note:  # say so before trying the network
        yield Log(note, "info")
        yield Progress(done, total, note)
    first = embedders_mod.first_use_note(opts.model)
    if first:
        yield Log(first, "info")
        yield Progress(done, total, first)
    embedder = embedders_mod.get_embedder(opts.model)
    for note in embedders_mod.runtime_notes(opts.model):
        yield Log(note)
    t_threads, d_threads = default_threads()
    if hasattr(embedder, "set_threads"):
        embedder.set_threads(opts.threads or t_threads)
    executor = ThreadPoolExecutor(opts.decode_workers or d_threads, "latentview-decode")
    try:
        meter = RateMeter(total, start_done=done)
        bs = opts.batch_size
        batches = deque(todo[i : i + bs] for i in range(0, len(todo), bs))
        pending: deque = deque()
        size = embedder.input_size
        for _ in range(3):
            if batches:
                batch = batches.popleft()
                pending.append((batch, [executor.submit(_load, p, size) for p in batch]))
        yield meter.update(done, "Embedding", "img")
        while pending:
            batch, futures = pending.popleft()
            if batches:
                nxt = batches.popleft()
                pending.append((nxt, [executor.submit(_load, p, size) for p in nxt]))
            results = [f.result() for f in futures]
            rows = _embed_batch(embedder, batch, results, keys, vectors, errors)
            if cache is not None:
                cache.store(embedders_mod.cache_id(opts.model), rows)
                yield from _cache_notes(cache)
            for path, (img, err, transient) in zip(batch, results):
                if img is None:
                    yield Log(f"{display_path(path)}: {err}" + (" (not cached: may be temporary)"
                                                                 if transient else ""))  # fmt: skip
            done += len(batch)
            yield meter.update(done, "Embedding", "img")
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _embed_batch(embedder, batch, results, keys, vectors, errors) -> list:
    """Embed the decoded images of one batch; returns the cache rows (transient failures left out)."""
    good = [i for i, (img, _, _) in enumerate(results) if img is not None]
    rows = []
    if good:
        emb = embedder.embed(np.stack([results[i][0] for i in good]))
        for j, i in enumerate(good):
            vectors[batch[i]] = emb[j]
            rows.append((keys[batch[i]], emb[j], None))
    for i, (img, err, transient) in enumerate(results):
        if img is None:
            errors[batch[i]] = err
            if not transient:
                rows.append((keys[batch[i]], None, err))
    return rows


def ingest_demo(model: str):
    """The built-in demo folder (made on first use, offline), embedded like any folder."""
    from latentview.backends.demo import demo_folder

    return (yield from ingest_folder(str(demo_folder()), IngestOptions(model=model)))
