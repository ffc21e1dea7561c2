"""Write a map to Parquet or CSV: one row per item (failures included, with their reason)."""

from __future__ import annotations

import csv
import os

import numpy as np

from latentview.backends.paths import display_path
from latentview.core.dataset import Dataset


def table_rows(dataset: Dataset, coords: np.ndarray | None) -> dict[str, list]:
    n = len(dataset)
    xy = np.full((n, 2), np.nan) if coords is None else np.asarray(coords, dtype=np.float64)
    cols = {
        "path": [display_path(p) for p in dataset.items],
        "label": list(dataset.labels),
        "x": xy[:, 0].tolist(),
        "y": xy[:, 1].tolist(),
        "embedding": [row for row in np.asarray(dataset.embeddings, np.float32)],
        "error": [""] * n,
    }
    for f in dataset.failures:
        cols["path"].append(display_path(f.item))
        cols["label"].append(_label_of(f.item, dataset.source))
        cols["x"].append(float("nan"))
        cols["y"].append(float("nan"))
        cols["embedding"].append(None)
        cols["error"].append(f.reason)
    return cols


def _label_of(path: str, root: str) -> str:
    from latentview.backends.images import label_for

    try:
        return label_for(path, root) if root else ""
    except ValueError:
        return ""


def write_table(dataset: Dataset, coords: np.ndarray | None, path: str, embeddings: bool = True) -> int:
    """Returns the number of rows written. The format follows the extension (.parquet or .csv)."""
    cols = table_rows(dataset, coords)
    ext = os.path.splitext(path)[1].lower()
    tmp = path + ".part"
    if ext == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {k: v for k, v in cols.items() if k != "embedding"}
        table = pa.table(
            {
                "path": pa.array(arrays["path"], pa.string()),
                "label": pa.array(arrays["label"], pa.string()),
                "x": pa.array(arrays["x"], pa.float64()),
                "y": pa.array(arrays["y"], pa.float64()),
                **(
                    {
                        "embedding": pa.array(
                            [None if e is None else e.tolist() for e in cols["embedding"]],
                            pa.list_(pa.float32()),
                        )
                    }  # fmt: skip
                    if embeddings
                    else {}
                ),
                "error": pa.array(arrays["error"], pa.string()),
            }
        )
        pq.write_table(table, tmp)
    elif ext == ".csv":
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "label", "x", "y", "error"])
            for row in zip(cols["path"], cols["label"], cols["x"], cols["y"], cols["error"]):
                w.writerow(row)
    else:
        raise ValueError(f"Cannot write '{ext or path}': use a .parquet or .csv file name.")
    os.replace(tmp, path)
    return len(cols["path"])
