"""`embed FOLDER --update MAP.parquet`: read a map written by `embed` and extend it with the folder's
new images (core/extend.py), old points kept exactly where they were."""

from __future__ import annotations

import os

import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.errors import UserError
from latentview.core.extend import Extension, extend_map
from latentview.core.textsafe import display_path


def read_map(path: str) -> tuple[Dataset, np.ndarray]:
    """The embedded rows of a map Parquet file (path, label, x, y, embedding) as a dataset and coords."""
    if not os.path.isfile(path):
        raise UserError(f"Map not found: {display_path(path)}")
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["path", "label", "x", "y", "embedding"]).to_pydict()
    except Exception as exc:
        raise UserError(f"{display_path(path)} is not a map written by latentview embed ({exc}).") from None
    rows = [i for i, e in enumerate(table["embedding"]) if e is not None and np.isfinite(table["x"][i])]
    if not rows:
        raise UserError(f"{display_path(path)} holds no embedded points to extend.")
    emb = np.asarray([table["embedding"][i] for i in rows], np.float32)
    coords = np.asarray([(table["x"][i], table["y"][i]) for i in rows], np.float64)
    ds = Dataset("images", [table["path"][i] for i in rows], [table["label"][i] or "" for i in rows], emb)
    return ds, coords


def update_map(path: str, fresh: Dataset) -> Extension:
    """The map at `path` plus the rows of `fresh` (a folder just ingested) that it lacks."""
    old, coords = read_map(path)
    if old.embeddings.shape[1] != fresh.embeddings.shape[1]:
        raise UserError(f"{display_path(path)} was made with another model ({old.embeddings.shape[1]}-d "
                        f"embeddings, not {fresh.embeddings.shape[1]}-d); use the same --model.")  # fmt: skip
    by_display = {display_path(p): p for p in fresh.items}  # the file stores printable paths
    old.items = [by_display.get(p, p) for p in old.items]
    old.source, old.model = fresh.source, fresh.model
    return extend_map(old, coords, fresh)
