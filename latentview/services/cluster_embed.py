"""Embed a folder (local or object storage) into a folder of Parquet shards on Ray: the local `embed`'s
decoding, encoder and table schema, spread over a local Ray instance or a cluster, resumable."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from latentview.backends import ray_engine, shard_store
from latentview.core.errors import UserError
from latentview.core.progress import Log, Progress, RateMeter
from latentview.core.textsafe import display_path


@dataclass
class ClusterOptions:
    model: str  # encoder reference, as for the local engine
    address: str | None = None  # None: RAY_ADDRESS, else a local instance
    workers: int = 2  # encoder actors
    chunk_size: int = 256  # files per task and per shard
    num_cpus: int | None = None  # local instance size (default: this machine's cores)


@dataclass
class ClusterResult:
    files: int
    embedded: int
    failed: int
    shards_written: int
    shards_skipped: int
    seconds: float
    embedded_now: int = 0  # in this run (the rest came from kept shards)


def embed_to_shards(source: str, out_dir: str, opts: ClusterOptions):
    """Generator: yields Progress/Log; returns a ClusterResult. Failures are rows with their reason."""
    from latentview.backends import embedders

    t0 = time.perf_counter()
    ray_engine.import_ray()  # a sentence before anything else when Ray is missing
    yield Progress(0, 0, f"Loading model {opts.model}")
    size = embedders.get_embedder(opts.model).input_size  # fails here, in one sentence, not on workers
    model_id = embedders.cache_id(opts.model)
    with ray_engine.ray_session(opts.address, opts.num_cpus) as ray:
        yield Progress(0, 0, "Listing files")
        try:
            files, problems, root = ray_engine.list_remote(ray, source)
        except FileNotFoundError:
            raise UserError(f"Folder not found: {display_path(source)}") from None
        if not files and not problems:
            raise UserError(f"No image files found in {display_path(source)}.")
        planned = [shard_store.manifest_for(c, model_id) for c in shard_store.chunks(files, opts.chunk_size)]
        shard_store.prepare_output(out_dir, len(planned))
        _write_problems(out_dir, problems, root)
        for path, reason in problems:
            yield Log(f"{display_path(path)}: {reason}")
        done = shard_store.done_chunks(out_dir, planned)
        if done:
            yield Log(f"{len(done)} of {len(planned)} shard(s) are up to date and were kept.", "info")
        todo = [_chunk_row(i, m, size) for i, m in enumerate(planned) if i not in done]
        counts = yield from _run(ray, todo, files, done, planned, opts, out_dir, root)
    embedded, failed, embedded_now = counts
    failed += len(problems)
    return ClusterResult(len(files) + len(problems), embedded, failed, len(todo), len(done),
                         time.perf_counter() - t0, embedded_now)  # fmt: skip


def _chunk_row(index: int, manifest: dict, size: int) -> dict:
    return {"index": index, "size": size, "files": json.dumps(manifest["files"]),
            "manifest": json.dumps(manifest)}  # fmt: skip


def _run(ray, todo, files, done, planned, opts: ClusterOptions, out_dir: str, root: str):
    """Generator: runs the chunks left to do; returns (embedded, failed) over all shards and the number
    embedded in this run."""
    embedded = failed = 0
    kept = sum(len(planned[i]["files"]) for i in done)
    embedded_kept, failed_kept = _count_kept(out_dir, done)
    meter = RateMeter(len(files), start_done=kept)
    finished = kept
    yield meter.update(finished, "Embedding", "img")
    if todo:
        for summary in ray_engine.run_chunks(ray, todo, opts.model, out_dir, root, opts.workers):
            embedded += summary["embedded"]
            failed += summary["failed"]
            finished += summary["embedded"] + summary["failed"]
            paths = json.loads(summary["files"])
            for (path, _, _), err in zip(paths, json.loads(summary["reasons"])):
                if err is not None:
                    yield Log(f"{display_path(path)}: {err}")
            yield meter.update(finished, "Embedding", "img")
    return embedded + embedded_kept, failed + failed_kept, embedded


def _count_kept(out_dir: str, done: set[int]) -> tuple[int, int]:
    """(embedded, failed) rows of the shards kept from an earlier run, from their Parquet footers'
    statistics-free column: the error column is read (small), never the embeddings."""
    if not done:
        return 0, 0
    import pyarrow.parquet as pq

    fs, root = shard_store.filesystem(out_dir)
    ok = bad = 0
    for i in done:
        with fs.open_input_file(f"{root}/{shard_store.shard_name(i)}") as fh:
            errors = pq.read_table(fh, columns=["error"]).column("error").to_pylist()
        bad += sum(bool(e) for e in errors)
        ok += sum(not e for e in errors)
    return ok, bad


def _write_problems(out_dir: str, problems: list, root: str) -> None:
    if problems:
        rows = [(display_path(p), shard_store.label_of(p, root), None, r) for p, r in problems]
        shard_store.write_rows(out_dir, shard_store.PROBLEMS_SHARD, rows)
    else:
        shard_store.remove_file(out_dir, shard_store.PROBLEMS_SHARD)
