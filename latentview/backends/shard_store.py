"""A folder of Parquet shards on any filesystem pyarrow reads (local, s3://, gs://, hdfs://…).

The distributed `embed` writes one shard per input chunk, named by the chunk's index, each next to a
manifest (path, size, mtime of its files and the encoder): a re-run skips a chunk whose manifest still
matches, and a task that Ray retries rewrites the same shard, never a second copy. Shards and manifests
are written to a temp name and renamed, so a killed worker leaves no half shard under a final name.
"""

from __future__ import annotations

import json
import os
import posixpath
import uuid
from dataclasses import dataclass

import numpy as np

from latentview.backends.images import IMAGE_EXTENSIONS, label_for, scan_images

SHARD_PREFIX = "part-"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    path: str  # absolute local path or the URI as given (s3://bucket/key)
    size: int
    mtime_ns: int


def is_uri(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def filesystem(path: str):
    """(pyarrow FileSystem, path on it); plain paths and file:// are local."""
    import pyarrow.fs as pafs

    if is_uri(path):
        fs, inner = pafs.FileSystem.from_uri(path)
        return fs, inner
    if path.startswith("file://"):
        path = path[len("file://") :]
    return pafs.LocalFileSystem(), os.path.abspath(path)


def list_images(source: str) -> tuple[list[FileEntry], list[tuple[str, str]], str]:
    """(image files sorted by path, (path, reason) problems, the root labels are relative to).

    Local folders are scanned exactly as the local engine scans them (same files, same problems)."""
    if not is_uri(source):
        root = filesystem(source)[1]
        if not os.path.isdir(root):
            raise FileNotFoundError(root)
        scan = scan_images(root)
        files, problems = [], list(scan.problems)
        for p in scan.files:
            try:
                st = os.stat(p)
            except OSError as exc:
                problems.append((p, f"cannot read file: {exc.strerror}"))
                continue
            files.append(FileEntry(p, st.st_size, st.st_mtime_ns))
        return files, problems, root
    return _list_remote(source)


def _list_remote(source: str):
    import pyarrow.fs as pafs

    fs, root = filesystem(source)
    info = fs.get_file_info(root)
    if info.type != pafs.FileType.Directory:
        raise FileNotFoundError(source)
    prefix = source[: len(source) - len(root)] if source.endswith(root) else source.split("://")[0] + "://"
    files = []
    for fi in fs.get_file_info(pafs.FileSelector(root, recursive=True)):
        rel = posixpath.relpath(fi.path, root)
        if fi.type != pafs.FileType.File or any(part.startswith(".") for part in rel.split("/")):
            continue
        if posixpath.splitext(fi.path)[1].lower() in IMAGE_EXTENSIONS:
            mtime = fi.mtime_ns if fi.mtime_ns is not None else 0
            files.append(FileEntry(prefix + fi.path, int(fi.size or 0), int(mtime)))
    files.sort(key=lambda f: f.path)
    return files, [], source.rstrip("/")


def label_of(path: str, root: str) -> str:
    """The first sub-folder under `root`, as the local engine labels (URIs use '/')."""
    if is_uri(path):
        rel = posixpath.relpath(posixpath.dirname(path.split("://", 1)[1]), root.split("://", 1)[1])
        return "(root)" if rel in (".", "") else rel.split("/")[0]
    return label_for(path, root)


def chunks(files: list[FileEntry], size: int) -> list[list[FileEntry]]:
    return [files[i : i + size] for i in range(0, len(files), size)]


def shard_name(index: int) -> str:
    return f"{SHARD_PREFIX}{index:06d}.parquet"


def manifest_for(files: list[FileEntry], model_id: str) -> dict:
    return {
        "version": MANIFEST_VERSION,
        "model": model_id,
        "files": [[f.path, f.size, f.mtime_ns] for f in files],
    }


def _write_atomic(fs, path: str, data: bytes) -> None:
    # A dot name ending in .tmp: readers that take every *.parquet of the folder never see it.
    tmp = posixpath.join(posixpath.dirname(path), f".{posixpath.basename(path)}.{uuid.uuid4().hex}.tmp")
    with fs.open_output_stream(tmp) as out:
        out.write(data)
    fs.move(tmp, path)


def done_chunks(out_dir: str, planned: list[dict]) -> set[int]:
    """Indices whose shard exists and whose manifest equals the planned one (same files, sizes,
    mtimes, encoder) and recorded no temporary failure."""
    import pyarrow.fs as pafs

    fs, root = filesystem(out_dir)
    done = set()
    for i, want in enumerate(planned):
        shard = posixpath.join(root, shard_name(i))
        try:
            if fs.get_file_info(shard).type != pafs.FileType.File:
                continue
            with fs.open_input_stream(shard + ".manifest.json") as fh:
                have = json.loads(fh.read().decode("utf-8"))
        except (OSError, ValueError):
            continue
        if not have.pop("transient", False) and have == want:
            done.add(i)
    return done


def prepare_output(out_dir: str, n_chunks: int) -> None:
    """Create the folder; remove shards (and temp files) beyond the planned chunks, left by an earlier
    run over more files, so the folder reads as exactly this source's rows."""
    import pyarrow.fs as pafs

    fs, root = filesystem(out_dir)
    fs.create_dir(root, recursive=True)
    for fi in fs.get_file_info(pafs.FileSelector(root)):
        name = posixpath.basename(fi.path)
        stale = name.startswith(".") and name.endswith(".tmp")
        if name.startswith(SHARD_PREFIX):
            try:
                stale = stale or int(name[len(SHARD_PREFIX) :].split(".")[0]) >= n_chunks
            except ValueError:
                pass
        if stale and fi.type == pafs.FileType.File:
            fs.delete_file(fi.path)


def shard_table(rows: list[tuple[str, str, np.ndarray | None, str]]):
    """The local `embed` Parquet schema: path, label, x, y (NaN: projected later), embedding, error."""
    import pyarrow as pa

    n = len(rows)
    return pa.table(
        {
            "path": pa.array([r[0] for r in rows], pa.string()),
            "label": pa.array([r[1] for r in rows], pa.string()),
            "x": pa.array(np.full(n, np.nan), pa.float64()),
            "y": pa.array(np.full(n, np.nan), pa.float64()),
            "embedding": pa.array(
                [None if r[2] is None else np.asarray(r[2], np.float32) for r in rows],
                pa.list_(pa.float32()),
            ),
            "error": pa.array([r[3] for r in rows], pa.string()),
        }
    )


PROBLEMS_SHARD = "listing-problems.parquet"  # folders and links the listing could not follow


def write_rows(out_dir: str, name: str, rows: list) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, root = filesystem(out_dir)
    sink = pa.BufferOutputStream()
    pq.write_table(shard_table(rows), sink)
    _write_atomic(fs, posixpath.join(root, name), sink.getvalue().to_pybytes())


def remove_file(out_dir: str, name: str) -> None:
    fs, root = filesystem(out_dir)
    try:
        fs.delete_file(posixpath.join(root, name))
    except (FileNotFoundError, OSError):
        pass


def write_shard(out_dir: str, index: int, rows: list, manifest: dict, transient: bool) -> None:
    """Shard first, then its manifest: a manifest never vouches for a shard that is not complete."""
    fs, root = filesystem(out_dir)
    path = posixpath.join(root, shard_name(index))
    write_rows(out_dir, shard_name(index), rows)
    body = dict(manifest, transient=True) if transient else manifest
    _write_atomic(fs, path + ".manifest.json", json.dumps(body).encode("utf-8"))


def read_bytes(path: str) -> bytes:
    fs, inner = filesystem(path)
    with fs.open_input_stream(inner) as fh:
        return fh.read()
