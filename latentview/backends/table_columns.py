"""Reading an opened `TableSource`: scalar columns as numpy arrays, the vectors as row blocks (so a big
table is converted block by block and never held twice), and every column back as record batches for
`latentview project`'s write-back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from latentview.backends.tables import ARRAY_NAME, BLOCK_ROWS, TableError, TableSource, parse_vector_string
from latentview.core.textsafe import display_path

VALUES_PER_BATCH = 4_000_000  # numbers per batch of a list column (8k rows of 512-d)


def _batches(src: TableSource, names: list[str], rows: int = BLOCK_ROWS):
    data = src.table
    if src.files:
        # File by file, in order, in small batches, pages streamed through a 1 MiB buffer: otherwise the
        # whole column chunk is read at once and a list column decodes with several times the batch's
        # size in temporaries (a 200k × 512 column: 1.1 GiB peak in 65k-row batches unbuffered, 0.16 GiB
        # in 8k-row batches buffered).
        import pyarrow.parquet as pq

        for f in src.files:
            with pq.ParquetFile(f, pre_buffer=False, buffer_size=1 << 20) as pf:
                yield from pf.iter_batches(batch_size=rows, columns=names)
    elif hasattr(data, "to_batches") and hasattr(data, "count_rows"):  # a pyarrow dataset
        yield from data.to_batches(columns=names, batch_size=rows)
    else:
        yield from data.select(names).to_batches(max_chunksize=rows)


def column_values(col) -> np.ndarray:
    """A pyarrow (Chunked)Array as numpy: numbers as int64/float64 (NaN for nulls), text as objects."""
    import pyarrow as pa

    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return np.asarray(col.cast(pa.float64()).to_numpy(), np.float64)
    if pa.types.is_integer(t):
        return (
            col.to_numpy()
            if col.null_count == 0
            else np.asarray(col.cast(pa.float64()).to_numpy(), np.float64)
        )
    if pa.types.is_boolean(t) and col.null_count == 0:
        return np.asarray(col.to_numpy(), bool)
    values = col.to_pylist()
    out = np.empty(len(values), dtype=object)
    out[:] = ["" if v is None else (v if isinstance(v, str) else str(v)) for v in values]
    return out


def read_scalars(src: TableSource, names: list[str]) -> dict[str, np.ndarray]:
    """Whole columns, in file order."""
    if not names:
        return {}
    data = src.table
    table = data.to_table(columns=names) if hasattr(data, "count_rows") else data.select(names)
    return {name: column_values(table.column(name)) for name in names}


def vector_blocks(src: TableSource, names: list[str], rows: int = BLOCK_ROWS) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:  # fmt: skip
    """(first row, (k, D) numbers, rows that are missing or None): one list column, the numbered
    numeric columns `names`, or the array of a .npy/.npz/projector source. Ragged or non-numeric
    vectors raise TableError naming the file, column and row."""
    if names == [ARRAY_NAME] and src.array is not None:
        for start in range(0, len(src.array), rows):
            yield start, np.asarray(src.array[start : start + rows]), None
        return
    for name in names:
        info = next((c for c in src.columns if c.name == name), None)
        if info is None:
            raise TableError(f"{_shown(src)} has no column '{name}'.")
        if len(names) > 1 and info.kind not in ("number", "integer"):
            raise TableError(f"{_shown(src)}: column '{name}' holds {_what(info.kind)}, not numbers, so it "
                             "cannot be part of the vectors.")  # fmt: skip
        if len(names) == 1 and info.kind not in ("vector", "number", "integer"):
            raise TableError(f"{_shown(src)}: column '{name}' holds {_what(info.kind)}, not vectors.")
        if info.kind == "vector" and not info.numeric:
            raise TableError(f"{_shown(src)}: column '{name}' holds lists of text, not numbers.")
    if len(names) == 1 and src.column(names[0]).kind == "vector":
        dim = src.column(names[0]).dim or 512
        data = src.table
        if not src.files and hasattr(data, "column") and data.column(names[0]).num_chunks == 1:
            rows = max(src.n_rows, 1)  # an in-memory/memory-mapped column: one zero-copy block
        else:
            rows = max(1024, min(rows, VALUES_PER_BATCH // max(dim, 1)))
        yield from _list_blocks(src, names[0], rows)
        return
    start = 0
    for batch in _batches(src, names, rows):
        cols = [np.asarray(column_values(batch.column(i)), np.float32) for i in range(batch.num_columns)]
        yield start, np.column_stack(cols), None
        start += batch.num_rows


def _what(kind: str) -> str:
    return {"string": "text", "bool": "true/false values", "vector": "lists"}.get(kind, f"{kind} values")


def _shown(src: TableSource) -> str:
    return display_path(os.path.basename(os.path.normpath(src.path)))


def _list_blocks(src: TableSource, name: str, rows: int):
    import pyarrow as pa

    start, dim, first = 0, None, 0
    for batch in _batches(src, [name], rows):
        arr = batch.column(0)
        k = len(arr)
        if name in src.string_vectors:
            block, missing, lengths = _parse_strings(arr)
        elif pa.types.is_fixed_size_list(arr.type):
            d = arr.type.list_size
            flat = arr.values.slice(arr.offset * d, k * d)
            block = _numbers(flat).reshape(k, d)
            missing = (
                np.asarray(arr.is_null().to_numpy(zero_copy_only=False), bool) if arr.null_count else None
            )
            lengths = None
        else:
            offsets = np.asarray(arr.offsets.to_numpy(), np.int64)
            lengths = np.diff(offsets)
            missing = (
                np.asarray(arr.is_null().to_numpy(zero_copy_only=False), bool) if arr.null_count else None
            )
            flat = _numbers(arr.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
            block = None
        if lengths is not None:
            ok = lengths if missing is None else lengths[~missing]
            if dim is None and len(ok):
                dim = int(ok[0])
                first = start + int(np.flatnonzero(lengths == dim)[0])
            bad = np.flatnonzero((lengths != dim) & (True if missing is None else ~missing))
            if len(bad):
                r = start + int(bad[0])
                raise TableError(f"{_shown(src)}: column '{name}' has vectors of different lengths — row {r} has "
                                 f"{int(lengths[bad[0]])} numbers, row {first} has {dim}.")  # fmt: skip
            if block is None:
                block = np.full((k, dim or 0), np.nan, np.float32)
                keep = np.ones(k, bool) if missing is None else ~missing
                block[keep] = flat.reshape(-1, dim or 0) if dim else block[keep]
        elif dim is None:
            dim = block.shape[1]
        yield start, block, missing
        start += k


def _numbers(values) -> np.ndarray:
    """Flat list values as numbers, zero-copy for float columns without nulls."""
    import pyarrow as pa

    t = values.type
    if pa.types.is_floating(t) and values.null_count == 0:
        return values.to_numpy(zero_copy_only=False)
    return np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)


def _parse_strings(arr):
    values = arr.to_pylist()
    missing = np.array([v in (None, "") for v in values], bool)
    parsed = [None if m else parse_vector_string(v) for v, m in zip(values, missing)]
    lengths = np.array([0 if p is None else len(p) for p in parsed], np.int64)
    dims = lengths[~missing]
    dim = int(dims[0]) if len(dims) else 0
    block = np.full((len(values), dim), np.nan, np.float32)
    for i, p in enumerate(parsed):
        if p is not None and len(p) == dim:
            block[i] = p
    return block, (missing if missing.any() else None), lengths


def record_batches(src: TableSource, rows: int = BLOCK_ROWS):
    """Every column of the table, in order, the vectors of an array source as `embedding`."""
    import pyarrow as pa

    if src.array is None:
        yield from _batches(src, [c.name for c in src.columns], rows)
        return
    arr = src.array
    for start in range(0, len(arr), rows):
        block = np.ascontiguousarray(arr[start : start + rows], dtype=np.float32)
        k, d = block.shape
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(block.reshape(-1)), d)
        if src.table is not None:
            meta = src.table.slice(start, k)
            names = meta.column_names
            cols = [meta.column(n).combine_chunks() for n in names]
        else:
            names, cols = [], []
        yield pa.RecordBatch.from_arrays([*cols, vectors], names=[*names, ARRAY_NAME])
