"""Ray Data for `embed --engine ray`: decode tasks, an actor pool holding the encoder, shard writes.

Every function here runs inside Ray workers (locally or on a cluster), so each imports what it needs
and works on plain values: a chunk row carries its file list as JSON and its decoded images as bytes.
Ray itself is optional (`pip install latentview[cluster]`).
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager

import numpy as np

from latentview.core.errors import UserError

RAY_MISSING = (
    "The Ray engine needs Ray, which is not installed: pip install 'latentview[cluster]' "
    "(that is ray[data]==2.60.0)."
)
# Offline and private: no usage statistics, no dashboard, no progress bars on the terminal.
QUIET_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
    "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
    "RAY_DEDUP_LOGS": "0",
    "RAY_DATA_DISABLE_PROGRESS_BARS": "1",
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
    "ORT_DISABLE_TELEMETRY": "1",
}
EMBED_BATCH = 8  # the local engine's batch: the same ONNX calls, the same numbers


def import_ray():
    """Ray, or a UserError saying how to install it."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    try:
        import ray
        import ray.data
    except ImportError:
        raise UserError(RAY_MISSING) from None
    return ray


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None):
    """Join `address` (or RAY_ADDRESS), else start a local instance sized to this machine; shut down
    what we started. An instance the caller already started (tests, notebooks) is used as it is."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    common = dict(logging_level=logging.ERROR, log_to_driver=False, configure_logging=False)
    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address or None, **common)
    else:
        ray.init(address="local", num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 **common)  # fmt: skip
    try:
        yield ray
    finally:
        ray.shutdown()


def quiet_data_context(ray) -> None:
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.verbose_stats_logs = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def _load_any(path: str, size: int):
    """(image, None, False) or (None, reason, transient): local files through the local engine's own
    loader (same decoding, same reasons); URIs are read through pyarrow into a temp file first."""
    from latentview.backends import shard_store
    from latentview.services.ingest import _load

    if not shard_store.is_uri(path):
        return _load(path, size)
    import tempfile

    try:
        data = shard_store.read_bytes(path)
    except FileNotFoundError:
        return None, "file disappeared", True
    except OSError as exc:
        return None, f"cannot read file: {exc}".splitlines()[0], True
    suffix = os.path.splitext(path)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        return _load(tmp.name, size)


def decode_chunk(row: dict) -> dict:
    """Ray task: read and decode one chunk's files; the images travel on as one uint8 byte string."""
    files = json.loads(row["files"])
    size = int(row["size"])
    images, errors, transient = [], [], False
    for path, _, _ in files:
        img, err, trans = _load_any(path, size)
        errors.append(err)
        transient |= bool(trans)
        if img is not None:
            images.append(img)
    pixels = np.stack(images).tobytes() if images else b""
    return {**row, "errors": json.dumps(errors), "transient": transient, "pixels": pixels}


class EmbedChunk:
    """Ray actor: loads the encoder once, embeds each decoded chunk and writes its shard."""

    def __init__(self, model_ref: str, out_dir: str, root: str, threads: int = 1):
        from latentview.backends.embedders import get_embedder

        self.embedder = get_embedder(model_ref)
        if hasattr(self.embedder, "set_threads"):
            self.embedder.set_threads(threads)
        self.out_dir, self.root = out_dir, root

    def __call__(self, row: dict) -> dict:
        from latentview.backends import shard_store
        from latentview.core.textsafe import display_path

        files = json.loads(row["files"])
        errors = json.loads(row["errors"])
        size = int(row["size"])
        n_ok = sum(e is None for e in errors)
        pixels = np.frombuffer(row["pixels"], np.uint8).reshape(n_ok, size, size, 3)
        vectors = [
            self.embedder.embed(pixels[s : s + EMBED_BATCH]) for s in range(0, n_ok, EMBED_BATCH)
        ]  # fmt: skip
        emb = np.concatenate(vectors) if vectors else np.empty((0, 0), np.float32)
        rows, j = [], 0
        for (path, _, _), err in zip(files, errors):
            label = shard_store.label_of(path, self.root)
            if err is None:
                rows.append((display_path(path), label, emb[j], ""))
                j += 1
            else:
                rows.append((display_path(path), label, None, err))
        manifest = json.loads(row["manifest"])
        shard_store.write_shard(self.out_dir, int(row["index"]), rows, manifest, bool(row["transient"]))
        return {"index": int(row["index"]), "embedded": n_ok, "failed": len(files) - n_ok,
                "reasons": row["errors"], "files": row["files"]}  # fmt: skip


def run_chunks(ray, rows: list[dict], model_ref: str, out_dir: str, root: str, workers: int):
    """Generator over finished chunks' summaries (in completion order) from a Ray Data pipeline:
    decode tasks → an actor pool of `workers` encoders (restarted and retried by Ray if one dies)."""
    quiet_data_context(ray)
    ds = ray.data.from_items(rows, override_num_blocks=max(1, len(rows)))
    # Different CPU shares keep the two stages apart (Ray Data would fuse equal ones into the actor):
    # decoding runs in tasks beside the encoders, on whatever CPUs they leave.
    ds = ds.map(decode_chunk, num_cpus=0.5)
    ds = ds.map(
        EmbedChunk,
        fn_constructor_kwargs={"model_ref": model_ref, "out_dir": out_dir, "root": root},
        concurrency=workers,
        num_cpus=0.75,
    )
    yield from ds.iter_rows()


def list_remote(ray, source: str):
    """The listing runs as a Ray task: on a cluster, where the storage is reachable."""
    from latentview.backends import shard_store

    return ray.get(ray.remote(num_cpus=0)(shard_store.list_images).remote(source))
