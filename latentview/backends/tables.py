"""Embeddings tables on disk → columns: Parquet (a file or a folder of shards), Arrow/Feather, CSV/TSV,
`.npy`/`.npz` with an optional metadata file, and the TensorBoard projector pair.

Everything opens as a `TableSource`: column descriptions (for role detection and the dialog's
preview), scalar columns on request, and the vectors as a stream of row blocks, so a million-row
Parquet file is never held twice. pyarrow is imported inside functions (it is heavy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from latentview.backends.array_files import npy_header, npz_headers_at
from latentview.core.errors import UserError
from latentview.core.table_roles import ColumnInfo
from latentview.core.textsafe import display_path

SAMPLE_ROWS = 10_000  # rows read to describe the columns
BLOCK_ROWS = 65_536
TABLE_EXTS = (".parquet", ".pq", ".arrow", ".feather", ".ipc", ".csv", ".tsv", ".npy", ".npz")
ARRAY_NAME = "embedding"  # the vectors' column name for .npy/.npz/projector sources
SIBLING_METADATA = ("{stem}.tsv", "{stem}.csv", "{stem}_metadata.tsv", "{stem}_metadata.csv", "metadata.tsv",
                    "metadata.csv")  # fmt: skip


class TableError(UserError):
    """The table cannot be mapped; the message names the file, column or row."""


@dataclass
class TableSource:
    path: str
    format: str  # parquet | feather | csv | npy | npz | projector
    n_rows: int
    columns: list[ColumnInfo]
    metadata: str | None = None  # the metadata file read beside .npy/.npz/vectors.tsv
    table: object = None  # pyarrow Table or dataset.Dataset holding every column but `array`
    array: np.ndarray | None = None  # .npy/.npz/projector vectors (a memory map for .npy)
    string_vectors: set = field(default_factory=set)  # text columns holding "0.1 0.2 …" vectors
    files: list = field(default_factory=list)  # Parquet: the file, or the shards in order

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.path))

    @property
    def folder(self) -> str:
        """Where relative image paths start: the table's folder (or the shard folder itself)."""
        return self.path if os.path.isdir(self.path) else os.path.dirname(os.path.abspath(self.path))

    def column(self, name: str) -> ColumnInfo:
        return next(c for c in self.columns if c.name == name)


def is_table_path(path: str) -> bool:
    """A file with a table extension, or a folder of Parquet shards / projector files (no images)."""
    if os.path.isfile(path):
        return path.lower().endswith(TABLE_EXTS)
    if os.path.isdir(path):
        names = os.listdir(path)
        return "vectors.tsv" in names or any(n.lower().endswith((".parquet", ".pq")) for n in names)
    return False


# --- opening -----------------------------------------------------------------------------------------
def open_source(path: str, metadata: str | None = None) -> TableSource:
    """Describe the table at `path` (reads only a sample of rows for Parquet/Arrow)."""
    path = os.path.abspath(os.path.expanduser(path))
    shown = display_path(os.path.basename(os.path.normpath(path)))
    if not os.path.exists(path):
        raise TableError(f"Table not found: {display_path(path)}.")
    if metadata and not os.path.isfile(metadata):
        raise TableError(f"Metadata file not found: {display_path(metadata)}.")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise TableError(f"{shown} is empty (0 bytes).")
    ext = os.path.splitext(path)[1].lower()
    try:
        if os.path.isdir(path):
            if os.path.isfile(os.path.join(path, "vectors.tsv")):
                return _open_projector(os.path.join(path, "vectors.tsv"), metadata)
            src = _open_parquet(path)
        elif ext in (".parquet", ".pq"):
            src = _open_parquet(path)
        elif ext in (".arrow", ".feather", ".ipc"):
            src = _open_feather(path)
        elif ext in (".npy", ".npz"):
            src = _open_array(path, metadata)
        elif ext in (".csv", ".tsv", ".txt"):
            if ext != ".csv" and _headerless_numbers(path):
                return _open_projector(path, metadata)
            if ext == ".csv" and _headerless_numbers(path, ","):  # np.savetxt(..., delimiter=",")
                src = _from_table(path, "csv", _read_csv(path, ",", header=False))
            else:
                src = _from_table(path, "csv", _read_csv(path))
        else:
            raise TableError(f"{shown}: unknown table format '{ext}' (use Parquet, Arrow/Feather, CSV, "
                             "TSV, .npy or .npz).")  # fmt: skip
    except TableError:
        raise
    except (OSError, ValueError, EOFError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise TableError(f"{shown} cannot be read: {_first_line(exc)}.") from None
    if src.n_rows == 0:
        raise TableError(f"{shown} has no rows.")
    return src


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rstrip(".")[:300]


def _open_parquet(path: str) -> TableSource:
    import pyarrow.dataset as pads

    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, n) for n in os.listdir(path) if n.lower().endswith((".parquet", ".pq"))
        )
        if not files:
            raise TableError(f"{display_path(path)} holds no Parquet files.")
        for f in files:
            if os.path.getsize(f) == 0:
                raise TableError(
                    f"{display_path(os.path.basename(f))} in {display_path(path)} is empty (0 bytes)."
                )
        data = pads.dataset(files, format="parquet")
    else:
        files = [path]
        data = pads.dataset(path, format="parquet")
    src = _from_table(path, "parquet", data, sample=_parquet_head(files[0]),
                      n_rows=sum(_parquet_rows(f) for f in files))  # fmt: skip
    src.files = files
    return src


def _parquet_head(path: str, rows: int = 2000):
    """The first rows of a Parquet file, decoding no more than that: `Dataset.head` decodes whole row
    groups (1.4 GiB of temporaries for a 200k × 512 one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20) as pf:
        for batch in pf.iter_batches(batch_size=rows):
            return pa.Table.from_batches([batch])
        return pf.schema_arrow.empty_table()


def _parquet_rows(path: str) -> int:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as pf:
        return pf.metadata.num_rows


def _open_feather(path: str) -> TableSource:
    import pyarrow.feather as feather

    # Memory-mapped: uncompressed columns stay in the page cache, and vectors are read in place.
    try:
        table = feather.read_table(path, memory_map=True)
    except ValueError:  # an Arrow IPC *stream* (what RecordBatchStreamWriter writes), not a file
        import pyarrow as pa

        with pa.memory_map(path) as source:
            table = pa.ipc.open_stream(source).read_all()
    return _from_table(path, "feather", table)


def _read_csv(path: str, delimiter: str | None = None, header: bool = True):
    import pyarrow.csv as pacsv

    delimiter = delimiter or ("\t" if path.lower().endswith((".tsv", ".txt")) else ",")
    read = pacsv.ReadOptions(autogenerate_column_names=not header, block_size=1 << 24)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    try:
        return pacsv.read_csv(path, read_options=read, parse_options=parse)
    except ValueError as exc:
        bad = _ragged_line(path, delimiter)
        where = f" (line {bad[0]} has {bad[1]} fields, line {bad[2]} has {bad[3]})" if bad else ""
        raise TableError(f"{display_path(os.path.basename(path))} cannot be read as a table{where}: "
                         f"{_first_line(exc)}.") from None  # fmt: skip


def _ragged_line(path: str, delimiter: str):
    """(line, fields, first line, fields) of the first line whose field count differs, or None."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = None
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            n = line.rstrip("\r\n").count(delimiter) + 1
            if first is None:
                first = (no, n)
            elif n != first[1]:
                return no, n, first[0], first[1]
    return None


def _headerless_numbers(path: str, delimiter: str = "\t") -> bool:
    """A first line of numbers only: no header (the projector's vectors.tsv, np.savetxt output)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().strip()
    try:
        return bool(first) and len([float(v) for v in first.split(delimiter)]) > 1
    except ValueError:
        return False


def _open_projector(path: str, metadata: str | None) -> TableSource:
    """TensorBoard projector: vectors.tsv (no header) + metadata.tsv (a header when > 1 column)."""
    table = _read_csv(path, "\t", header=False)
    cols = []
    for i, col in enumerate(table.columns):
        if col.type.id not in _numeric_type_ids():
            raise TableError(f"{display_path(os.path.basename(path))}: column {i + 1} holds text, not numbers "
                             f"(first value '{col[0]}').")  # fmt: skip
        cols.append(col.to_numpy().astype(np.float32))
    array = np.column_stack(cols) if cols else np.zeros((0, 0), np.float32)
    meta = metadata or _sibling(path, ("metadata.tsv",))
    return _with_array(path, "projector", array, meta)


def _numeric_type_ids():
    import pyarrow as pa

    return {pa.float16().id, pa.float32().id, pa.float64().id, pa.int8().id, pa.int16().id, pa.int32().id,
            pa.int64().id, pa.uint8().id, pa.uint16().id, pa.uint32().id, pa.uint64().id}  # fmt: skip


def _sibling(path: str, patterns) -> str | None:
    folder, stem = os.path.dirname(os.path.abspath(path)), os.path.splitext(os.path.basename(path))[0]
    for pat in patterns:
        cand = os.path.join(folder, pat.format(stem=stem))
        if os.path.isfile(cand) and os.path.abspath(cand) != os.path.abspath(path):
            return cand
    return None


def _open_array(path: str, metadata: str | None) -> TableSource:
    shown = display_path(os.path.basename(path))
    extra: dict[str, np.ndarray] = {}
    if path.lower().endswith(".npy"):
        npy_header(path, TableError)  # shape × dtype checked before numpy maps or allocates anything
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    else:
        npz_headers_at(path, TableError)
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        two_d = {k: v for k, v in arrays.items() if v.ndim == 2}
        if not two_d:
            raise TableError(
                f"{shown} holds no 2-D array of vectors (arrays: {', '.join(arrays) or 'none'})."
            )
        key = next((k for k in two_d if k.lower() in ("embeddings", "embedding", "vectors", "x", "features")),
                   max(two_d, key=lambda k: two_d[k].size))  # fmt: skip
        array = two_d[key]
        extra = {k: v for k, v in arrays.items() if v.ndim == 1 and len(v) == len(array)}
    if array.ndim != 2:
        raise TableError(f"{shown} holds a {array.ndim}-D array; vectors need 2-D (rows × dimensions).")
    if array.dtype.kind not in "fiub":
        raise TableError(f"{shown} holds {array.dtype} values, not numbers.")
    meta = metadata or _sibling(path, SIBLING_METADATA)
    return _with_array(path, path.lower()[-3:], array, meta, extra)


def _with_array(path, fmt, array, metadata, extra=None) -> TableSource:
    import pyarrow as pa

    shown = display_path(os.path.basename(path))
    if len(array) == 0:
        raise TableError(f"{shown} has no rows.")
    extra = {k: pa.array(v.astype(str) if v.dtype.kind in "US" else v) for k, v in (extra or {}).items()}
    table = read_metadata(metadata) if metadata else pa.table(extra) if extra else pa.table({})
    for k, v in extra.items() if metadata else ():
        if k not in table.column_names and len(v) == table.num_rows:
            table = table.append_column(k, v)
    if metadata and table.num_rows != len(array):
        raise TableError(f"{display_path(os.path.basename(metadata))} has {table.num_rows:,} rows but {shown} has "
                         f"{len(array):,} vectors; they must match row for row.")  # fmt: skip
    src = _from_table(path, fmt, table if table.num_columns else None, n_rows=len(array))
    src.array, src.metadata = array, metadata
    dim_info = ColumnInfo(ARRAY_NAME, "vector", dim=int(array.shape[1]), sampled=min(len(array), SAMPLE_ROWS))
    src.columns.insert(0, dim_info)
    return src


def read_metadata(path: str):
    """A metadata CSV/TSV. A one-column TSV has no header (the projector's rule); otherwise the first
    row names the columns."""
    import pyarrow as pa

    if os.path.getsize(path) == 0:
        raise TableError(f"Metadata file {display_path(os.path.basename(path))} is empty (0 bytes).")
    tsv = not path.lower().endswith(".csv")
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    if tsv and "\t" not in first:
        with open(path, encoding="utf-8", errors="replace") as fh:
            labels = [line.rstrip("\r\n") for line in fh]
        while labels and labels[-1] == "":
            labels.pop()
        return pa.table({"label": pa.array(labels, pa.string())})
    return _read_csv(path, "\t" if tsv else ",")


def _from_table(path: str, fmt: str, data, n_rows: int | None = None, sample=None) -> TableSource:
    """Describe the columns of a pyarrow Table or Dataset from its first SAMPLE_ROWS rows."""
    if data is None:
        return TableSource(path, fmt, int(n_rows or 0), [])
    if sample is None:
        sample = data.slice(0, SAMPLE_ROWS) if hasattr(data, "slice") else data.head(SAMPLE_ROWS)
    n = n_rows if n_rows is not None else data.num_rows if hasattr(data, "num_rows") else data.count_rows()
    src = TableSource(path, fmt, int(n), [], table=data)
    for name, col in zip(sample.column_names, sample.columns):
        info = describe_column(name, col)
        is_vector, dim = _string_vector_dim(info.sample) if info.kind == "string" else (False, None)
        if is_vector:
            info.kind, info.dim = "vector", dim
            src.string_vectors.add(name)
        src.columns.append(info)
    return src


def describe_column(name: str, col) -> ColumnInfo:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    n = len(col)
    empty = col.null_count == n
    sample = col.slice(0, 20).to_pylist()
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        vt = t.value_type
        numeric = pa.types.is_integer(vt) or pa.types.is_floating(vt) or pa.types.is_decimal(vt)
        if pa.types.is_fixed_size_list(t):
            dim = t.list_size
        else:
            lengths = pc.unique(pc.drop_null(pc.list_value_length(col))).to_pylist()
            dim = lengths[0] if len(lengths) == 1 else None
        return ColumnInfo(name, "vector", dim=dim, numeric=numeric, sampled=n, empty=empty,
                          sample=[None if v is None else v[:4] for v in sample[:3]])  # fmt: skip
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type) if hasattr(col, "cast") else col
        t = t.value_type
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        kind = "number"
    elif pa.types.is_integer(t):
        kind = "integer"
    elif pa.types.is_boolean(t):
        kind = "bool"
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        kind = "string"
        empty = empty or all(v in (None, "") for v in col.slice(0, 200).to_pylist())
    elif pa.types.is_null(t):
        kind, empty = "other", True
    else:
        kind = "other"
    try:
        unique = int(pc.count_distinct(col).as_py())
    except (ValueError, TypeError, NotImplementedError):  # ArrowNotImplementedError for nested types
        unique = n
    return ColumnInfo(name, kind, unique=unique, sampled=n, empty=empty, sample=sample)


def _string_vector_dim(values) -> tuple[bool, int | None]:
    """(whether the strings are "0.1 0.2 …" / "[0.1, 0.2, …]" vectors — latentview's CSV export,
    pandas' to_csv —, their common length or None when it differs)."""
    dims = set()
    for v in values[:10]:
        if v in (None, ""):
            continue
        try:
            nums = parse_vector_string(v)
        except ValueError:
            return False, None
        if len(nums) < 2:
            return False, None
        dims.add(len(nums))
    return bool(dims), (dims.pop() if len(dims) == 1 else None)


def parse_vector_string(text: str) -> np.ndarray:
    parts = str(text).strip().strip("[]()").replace(",", " ").split()
    return np.array([float(p) for p in parts], np.float32)
