"""Write an opened table back with new per-point columns (x, y, cluster…), keeping every input column
and row: streamed batch by batch, so a big Parquet input is never held whole."""

from __future__ import annotations

import os

import numpy as np

from latentview.backends.table_columns import record_batches
from latentview.backends.tables import TableError, open_source
from latentview.core.dataset import Dataset


def _full(values, rows: np.ndarray, n: int) -> np.ndarray:
    """Per-point values spread over all `n` input rows (skipped rows get NaN / None)."""
    values = np.asarray(values)
    if values.dtype.kind in "fiub":
        out = np.full(n, np.nan)
        out[rows] = values
        if values.dtype.kind in "iu" and len(rows) == n:
            return values
        return out
    out = np.full(n, None, dtype=object)
    out[rows] = values
    return out


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
            for name, values in full.items():
                names.append(name)
                arrays.append(pa.array(values[start : start + k], from_pandas=True))
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
