"""Write a map to Parquet or CSV: one row per item (failures included, with their reason)."""

from __future__ import annotations

import contextlib
import csv
import os
from dataclasses import dataclass

import numpy as np

from latentview.core.atomic import atomic_open, output_error, temp_beside
from latentview.core.dataset import Dataset
from latentview.core.textsafe import csv_cell, display_path

BLOCK = 65_536  # rows per Parquet row group: memory stays flat on a million rows
# Rows per CSV/TSV block: their cells are Python objects, and one C call (tolist, writerows) over a big
# block holds the interpreter long enough to freeze the window (the writer runs on a worker thread).
TEXT_BLOCK = 512


@dataclass
class Membership:
    """Which named sets (groups) each point belongs to: a list column in Parquet, `a;b` in CSV/TSV."""

    names: list[str]
    matrix: np.ndarray  # (N, G) bool

    def arrow(self, rows: np.ndarray):
        import pyarrow as pa

        m = self.matrix[rows]
        offsets = np.zeros(len(rows) + 1, np.int32)
        np.cumsum(m.sum(axis=1), out=offsets[1:])
        _r, g = np.nonzero(m)  # row-major: each row's groups in order
        values = pa.array(np.asarray(self.names, dtype=object)[g], pa.string())
        return pa.ListArray.from_arrays(pa.array(offsets), values)

    def strings(self, rows: np.ndarray) -> list[str]:
        m = self.matrix[rows]
        return [";".join(self.names[j] for j in np.flatnonzero(r)) if r.any() else "" for r in m]


@dataclass
class Coded:
    """A text column kept as integer codes and their names (each point's cluster name): looked up one
    block at a time, never as a million Python strings at once (~30 ms holding the interpreter)."""

    codes: np.ndarray
    names: list[str]

    def take(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.names, dtype=object)[self.codes[rows]]


def point_columns(clusters=None, recall=None, groups=None) -> dict:
    """The per-point extra columns of an export — cluster, cluster_name, knn_recall, groups — from the
    window's arrays: `clusters` (labels, names), `recall`, `groups` (names, masks). Copies, made on the
    runner (a snapshot: later edits don't change a running export); nothing is N Python objects."""
    cols: dict = {}
    if clusters is not None:
        labels, names = clusters
        labels = np.array(labels, copy=True)
        cols["cluster"] = labels
        cols["cluster_name"] = Coded(np.where(labels >= 0, labels, len(names)), [*names, "noise"])
    if recall is not None:
        cols["knn_recall"] = np.array(recall, dtype=np.float64, copy=True)
    if groups is not None:
        names, masks = groups
        cols["groups"] = Membership(list(names), np.stack(masks, axis=1))
    return cols


def _column(values, rows: np.ndarray):
    """A block of an extra column: numpy arrays are indexed, sequences converted once per block."""
    if isinstance(values, Membership):
        return values
    if isinstance(values, Coded):
        return values.take(rows)
    return np.asarray(values)[rows] if isinstance(values, np.ndarray) else np.asarray(values, object)[rows]


def _plan(dataset: Dataset, coords, indices):
    rows = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64).reshape(-1)
    xy = np.full((len(dataset), 2), np.nan) if coords is None else np.asarray(coords, dtype=np.float64)
    failures = dataset.failures if indices is None else []
    return rows, xy, failures


def write_table_steps(dataset: Dataset, coords: np.ndarray | None, path: str, embeddings: bool = True,
                      columns: dict | None = None, indices=None, csv_embedding: bool = False):  # fmt: skip
    """Generator for the runner: writes `path` in blocks (yielding Progress) and returns the row count.

    The format follows the extension (.parquet or .csv). `columns` adds per-point columns (numpy arrays,
    lists or a Membership) after x, y; `indices` exports those points only (and then no failure rows).
    Parquet keeps the embedding as a fixed-size float32 list made straight from the numpy buffer (unless
    `embeddings=False`); CSV gets it only with `csv_embedding`, as space-separated numbers. Never
    overwrites a file with a partial one.
    """
    from latentview.core.progress import Progress

    ext = os.path.splitext(path)[1].lower()
    if ext not in (".parquet", ".csv"):
        raise ValueError(f"Cannot write '{ext or path}': use a .parquet or .csv file name.")
    rows, xy, failures = _plan(dataset, coords, indices)
    total = len(rows) + len(failures)
    tmp = temp_beside(path)  # unique, beside the target; never a link followed out of the folder
    writer = _ParquetBlocks(tmp, embeddings) if ext == ".parquet" else _CsvBlocks(tmp, columns, csv_embedding)
    step = BLOCK if ext == ".parquet" else TEXT_BLOCK
    try:
        for start in range(0, len(rows), step):
            block = rows[start : start + step]
            writer.write(_block(dataset, xy, columns, block))
            done = start + len(block)
            # every block is a cancellation point; progress about every 32k rows
            yield Progress(done, total, f"Writing {os.path.basename(path)}", unit="rows") if (
                done % 32_768 < step or done == len(rows)) else None  # fmt: skip
        if failures or not len(rows):
            writer.write(_failure_block(dataset, columns, failures))
        writer.close()
    except BaseException as exc:
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(exc, OSError):  # a full disk, a size limit: one sentence naming the real file
            raise output_error(path, exc) from None
        raise
    os.replace(tmp, path)
    return total


def write_table(dataset: Dataset, coords: np.ndarray | None, path: str, embeddings: bool = True,
                columns: dict | None = None, indices=None, csv_embedding: bool = False) -> int:  # fmt: skip
    """Returns the number of rows written (see write_table_steps)."""
    from latentview.services.runner import drive

    return drive(write_table_steps(dataset, coords, path, embeddings, columns, indices, csv_embedding))


def _block(dataset: Dataset, xy: np.ndarray, columns: dict | None, rows: np.ndarray) -> dict:
    return {
        "path": [display_path(dataset.items[i]) for i in rows],
        "label": [dataset.labels[i] for i in rows],
        "x": xy[rows, 0],
        "y": xy[rows, 1],
        "extra": {name: _column(v, rows) for name, v in (columns or {}).items()},
        "embedding": np.asarray(dataset.embeddings[rows], dtype=np.float32),
        "error": None,
        "rows": rows,
        "dim": dataset.embeddings.shape[1] if dataset.embeddings.ndim == 2 else 0,
    }


def _failure_block(dataset: Dataset, columns: dict | None, failures) -> dict:
    n = len(failures)
    return {
        "path": [display_path(f.item) for f in failures],
        "label": [_label_of(f.item, dataset.source) for f in failures],
        "x": np.full(n, np.nan),
        "y": np.full(n, np.nan),
        "extra": {name: None for name in columns or {}},
        "embedding": None,
        "error": [f.reason for f in failures],
        "rows": np.zeros(n, np.int64),
        "dim": dataset.embeddings.shape[1] if dataset.embeddings.ndim == 2 else 0,
    }


class _ParquetBlocks:
    """One row group per block; the schema comes from the first (data) block."""

    def __init__(self, path: str, embeddings: bool):
        self.path, self.embeddings = path, embeddings
        self.writer = None
        self.schema = None

    def write(self, b: dict) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = len(b["path"])
        cols = {"path": pa.array(b["path"], pa.string()), "label": pa.array(b["label"], pa.string()),
                "x": pa.array(b["x"], pa.float64()), "y": pa.array(b["y"], pa.float64())}  # fmt: skip
        for i, (name, v) in enumerate(b["extra"].items()):
            if v is None:
                cols[name] = pa.nulls(n, self.schema.field(4 + i).type if self.schema else pa.string())
            elif isinstance(v, Membership):
                cols[name] = v.arrow(b["rows"])
            else:
                cols[name] = pa.array(v.tolist() if v.dtype == object else v)
        if self.embeddings:
            kind = pa.list_(pa.float32(), b["dim"])
            e = b["embedding"]
            cols["embedding"] = (pa.nulls(n, kind) if e is None else
                                 pa.FixedSizeListArray.from_arrays(pa.array(e.reshape(-1)), b["dim"]))  # fmt: skip
        cols["error"] = pa.array(b["error"] or [""] * n, pa.string())
        table = pa.table(cols)
        if self.schema is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _CsvBlocks:
    def __init__(self, path: str, columns: dict | None, embedding: bool):
        self.fh = open(path, "w", newline="", encoding="utf-8")
        self.out = csv.writer(self.fh)
        self.embedding = embedding
        self.extra = list(columns or {})
        self.out.writerow(["path", "label", "x", "y", *self.extra] + (["embedding"] if embedding else [])
                          + ["error"])  # fmt: skip

    def write(self, b: dict) -> None:
        n = len(b["path"])
        cols = [_cells(b["path"]), _cells(b["label"]), _floats(b["x"]), _floats(b["y"])]
        for v in b["extra"].values():
            if v is None:
                cols.append([""] * n)
            elif isinstance(v, Membership):
                cols.append(_cells(v.strings(b["rows"])))
            else:
                cols.append(["" if x is None else csv_cell(x) for x in v.tolist()])
        if self.embedding:
            e = b["embedding"]
            if e is None:
                cols.append([""] * n)
            else:
                fmt = " ".join(["%.7g"] * e.shape[1])
                cols.append([fmt % tuple(r) for r in e.tolist()])
        cols.append(_cells(b["error"]) if b["error"] else [""] * n)
        self.out.writerows(zip(*cols))

    def close(self) -> None:
        self.fh.close()


def _cells(values) -> list:
    """Text cells a spreadsheet will not run as formulas (core.textsafe.csv_cell)."""
    return [csv_cell(v) for v in values]


def _floats(values: np.ndarray) -> list:
    """CSV cells of x/y: the shortest exact repr ("nan" for a failed file, which has no position)."""
    return values.tolist()


def _label_of(path: str, root: str) -> str:
    from latentview.backends.images import label_for

    try:
        return label_for(path, root) if root else ""
    except ValueError:
        return ""


# --- exports of a selection or group (the Explore features) -------------------------------------------
def projector_steps(dataset: Dataset, folder: str, columns: dict | None = None, indices=None):
    """Generator for the runner: TensorBoard Embedding Projector files, written in blocks — vectors.tsv
    (one row per point, tab-separated floats) and metadata.tsv (a header row, then label/name/extra
    columns), plus a projector_config.pbtxt. Returns (vectors path, metadata path)."""
    from latentview.core.progress import Progress

    os.makedirs(folder, exist_ok=True)
    rows = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64).reshape(-1)
    vec_path = os.path.join(folder, "vectors.tsv")
    meta_path = os.path.join(folder, "metadata.tsv")
    images = dataset.kind == "images"
    vec_tmp, meta_tmp = temp_beside(vec_path), temp_beside(meta_path)
    with open(vec_tmp, "w", encoding="utf-8", newline="\n") as vec, \
            open(meta_tmp, "w", encoding="utf-8", newline="\n") as meta:  # fmt: skip
        meta.write("\t".join(["name", "label", *(columns or {})]) + "\n")
        for start in range(0, len(rows), TEXT_BLOCK):
            block = rows[start : start + TEXT_BLOCK]
            emb = np.asarray(dataset.embeddings[block], dtype=np.float32)
            fmt = "\t".join(["%.7g"] * emb.shape[1]) + "\n"
            vec.writelines(fmt % tuple(r) for r in emb.tolist())
            cols = [[_tsv(os.path.basename(display_path(dataset.items[i])) if images else dataset.items[i])
                     for i in block], [_tsv(dataset.labels[i]) for i in block]]  # fmt: skip
            for v in (columns or {}).values():
                v = _column(v, block)
                cols.append(v.strings(block) if isinstance(v, Membership) else [_tsv(x) for x in v.tolist()])
            meta.writelines("\t".join(r) + "\n" for r in zip(*cols))
            done = start + len(block)
            yield Progress(done, len(rows), "Writing projector files", unit="rows") if (
                done % 32_768 < TEXT_BLOCK or done == len(rows)) else None  # fmt: skip
    os.replace(vec_tmp, vec_path)
    os.replace(meta_tmp, meta_path)
    with atomic_open(os.path.join(folder, "projector_config.pbtxt"), "w", encoding="utf-8") as fh:
        fh.write('embeddings {\n  tensor_name: "latentview"\n  tensor_path: "vectors.tsv"\n'
                 '  metadata_path: "metadata.tsv"\n}\n')  # fmt: skip
    return vec_path, meta_path


def write_projector(dataset: Dataset, folder: str, columns: dict | None = None, indices=None):
    """The projector files in one call (see projector_steps)."""
    from latentview.services.runner import drive

    return drive(projector_steps(dataset, folder, columns, indices))


def _tsv(value) -> str:
    return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")


NAME_MAX = 255  # bytes in one file name on common file systems (ext4, APFS, NTFS in UTF-16 units)


def safe_name(name: str, max_bytes: int = 100) -> str:
    """A folder name from a cluster or group name, safe on every file system: no separators or
    reserved characters, at most `max_bytes` of UTF-8 (cut on a character boundary)."""
    bad = '<>:"/\\|?*'
    out = "".join("_" if (c in bad or ord(c) < 32) else c for c in name).strip(" .")
    out = out.encode("utf-8")[:max_bytes].decode("utf-8", "ignore").strip(" .")
    return out or "unnamed"


def unique_folder_names(names) -> dict[str, str]:
    """{set name: folder name}: safe and distinct even where safe names collide (`a/b` and `a_b`) or
    differ only in case (case-insensitive file systems)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = candidate = safe_name(name)
        i = 2
        while candidate.casefold() in taken:
            candidate = f"{base} ({i})"
            i += 1
        taken.add(candidate.casefold())
        out[name] = candidate
    return out


def _free_path(path: str) -> str:
    """`path`, or `stem_2.ext`, `stem_3.ext`… : the first name not taken (never overwrite)."""
    if not os.path.lexists(path):
        return path
    stem, ext = os.path.splitext(path)
    i = 2
    while os.path.lexists(f"{stem}_{i}{ext}"):
        i += 1
    return f"{stem}_{i}{ext}"


@dataclass
class FolderExport:
    """What a folder export did: files written per folder, and the files skipped with their reason."""

    written: dict[str, int]
    skipped: list[tuple[str, str]]


def export_folders(dataset: Dataset, sets: dict[str, np.ndarray], dest: str, mode: str = "copy"):
    """Generator: one sub-folder per cluster/group under `dest`, holding copies (or symbolic links) of
    its images. The user's files are never moved and nothing existing is overwritten (a taken name
    gets a numbered suffix). A file that cannot be exported (gone, unreadable, a name too long) is
    skipped with a Log line and the export goes on. Yields Progress/Log; returns a FolderExport."""
    from latentview.core.progress import Log, Progress

    if dataset.kind != "images":
        raise ValueError("Folders of files can only be exported for image maps.")
    if mode not in ("copy", "link"):
        raise ValueError("mode must be 'copy' or 'link'")
    total = int(sum(len(np.asarray(v)) for v in sets.values()))
    done = 0
    report = FolderExport({}, [])
    os.makedirs(dest, exist_ok=True)
    for name, folder_name in unique_folder_names(sets).items():
        folder = os.path.join(dest, folder_name)
        if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
            folder = _free_path(folder)  # never write through a link to somewhere outside `dest`
            folder_name = os.path.basename(folder)
        os.makedirs(folder, exist_ok=True)
        report.written[folder_name] = 0
        for i in np.asarray(sets[name], dtype=int):
            src = dataset.items[i]
            reason = _export_one(src, folder, mode)
            if reason:
                report.skipped.append((src, reason))
                yield Log(f"Not exported: {display_path(src)} ({reason})", "warning")
            else:
                report.written[folder_name] += 1
            done += 1
            if done % 25 == 0 or done == total:
                yield Progress(done, total, f"Exporting to {display_path(dest)}", unit="files")
    return report


def _export_one(src: str, folder: str, mode: str) -> str:
    """Copy or link one file; '' when done, else the reason it was skipped."""
    import shutil

    base = os.path.basename(src)
    if len(os.fsencode(base)) > NAME_MAX - 4:  # room for a "_2" suffix
        return "file name longer than 255 bytes"
    if not os.path.isfile(src):
        return "file not found"
    target = _free_path(os.path.join(folder, base))
    try:
        if mode == "link":
            os.symlink(os.path.abspath(src), target)
        else:
            shutil.copy2(src, target)
    except OSError as exc:
        if mode == "copy":
            with contextlib.suppress(OSError):
                os.remove(target)  # a partial copy; the name was free, so it is ours
        return exc.strerror or type(exc).__name__
    return ""
