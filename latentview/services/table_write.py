"""Write an opened table back with new per-point columns (x, y, cluster…), keeping every input column
and row: streamed batch by batch, so a big Parquet input is never held whole."""

from __future__ import annotations

import os

import numpy as np

from latentview.backends.table_columns import record_batches
from latentview.backends.tables import TableError, open_source
from latentview.core.dataset import Dataset


def _full(values, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-point values spread over all `n` input rows, and the mask of rows without a value (skipped
    for NaN/inf vectors): they are written as nulls."""
    values = np.asarray(values)
    if len(rows) == n:
        return values, None
    out = np.zeros(n, values.dtype) if values.dtype.kind in "fiub" else np.full(n, None, dtype=object)
    out[rows] = values
    missing = np.ones(n, bool)
    missing[rows] = False
    return out, missing


def write_back(dataset: Dataset, columns: dict, path: str) -> int:
    """Rows written. `columns` holds one value per point of `dataset`; columns of the same name in the
    input are replaced. Never leaves a partial file under `path`."""
    import pyarrow as pa

    info = dataset.meta["table"]
    src = open_source(info["spec"]["path"], info["spec"].get("metadata"))
    n, rows = info["n_rows"], np.asarray(info["rows"])
    full = {k: _full(v, rows, n) for k, v in columns.items()}
    ext = os.path.splitext(path)[1].lower()
    tmp = path + ".part"
    writer, start = None, 0
    try:
        for batch in record_batches(src):
            k = batch.num_rows
            names = [c for c in batch.schema.names if c not in full]
            arrays = [batch.column(c) for c in names]
            for name, (values, missing) in full.items():
                names.append(name)
                mask = None if missing is None else missing[start : start + k]
                arrays.append(pa.array(values[start : start + k], mask=mask))
            if ext == ".csv":
                arrays = [_csv_ready(a) for a in arrays]
            out = pa.RecordBatch.from_arrays(arrays, names=names)
            if writer is None:
                writer = _writer(tmp, ext, out.schema)
            writer.write_batch(out)
            start += k
    except OSError as exc:
        raise TableError(f"Cannot write {os.path.basename(path)}: {exc.strerror or exc}.") from None
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return start


def _writer(tmp: str, ext: str, schema):
    if ext == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetWriter(tmp, schema)
    import pyarrow.csv as pacsv

    return pacsv.CSVWriter(tmp, schema)


def _csv_ready(arr):
    """CSV has no lists: vectors become "0.1 0.2 …" (which latentview reads back as vectors)."""
    import pyarrow as pa

    t = arr.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return pa.array([None if v is None else " ".join(f"{x:.7g}" for x in v) for v in arr.to_pylist()],
                        pa.string())  # fmt: skip
    return arr
