"""Write a map to Parquet or CSV: one row per item (failures included, with their reason)."""

from __future__ import annotations

import csv
import os

import numpy as np

from latentview.backends.paths import display_path
from latentview.core.atomic import atomic_open, atomic_path
from latentview.core.dataset import Dataset
from latentview.core.textsafe import csv_cell


def table_rows(dataset: Dataset, coords: np.ndarray | None, columns: dict | None = None,
               indices=None) -> dict[str, list]:  # fmt: skip
    """Columns of the export. `columns` adds per-point columns (cluster, cluster_name, knn_recall…),
    inserted after x, y; `indices` exports those points only (and then no failure rows)."""
    n = len(dataset)
    rows = np.arange(n) if indices is None else np.asarray(indices, dtype=int)
    xy = np.full((n, 2), np.nan) if coords is None else np.asarray(coords, dtype=np.float64)
    emb = dataset.embeddings  # rows are converted one by one: no float32 copy of a float16 set
    cols = {
        "path": [display_path(dataset.items[i]) for i in rows],
        "label": [dataset.labels[i] for i in rows],
        "x": xy[rows, 0].tolist(),
        "y": xy[rows, 1].tolist(),
    }
    extra = list(columns or {})
    for name, values in (columns or {}).items():
        values = np.asarray(values, dtype=object)
        cols[name] = [v.item() if hasattr(v, "item") else v for v in values[rows]]
    cols["embedding"] = [np.asarray(emb[i], np.float32) for i in rows]
    cols["error"] = [""] * len(rows)
    for f in dataset.failures if indices is None else []:
        cols["path"].append(display_path(f.item))
        cols["label"].append(_label_of(f.item, dataset.source))
        cols["x"].append(float("nan"))
        cols["y"].append(float("nan"))
        for name in extra:
            cols[name].append(None)
        cols["embedding"].append(None)
        cols["error"].append(f.reason)
    return cols


def _label_of(path: str, root: str) -> str:
    from latentview.backends.images import label_for

    try:
        return label_for(path, root) if root else ""
    except ValueError:
        return ""


def write_table(dataset: Dataset, coords: np.ndarray | None, path: str, embeddings: bool = True,
                columns: dict | None = None, indices=None, csv_embedding: bool = False) -> int:  # fmt: skip
    """Returns the number of rows written. The format follows the extension (.parquet or .csv).

    Parquet keeps the embedding as a float32 list column (unless `embeddings=False`); CSV gets it only
    with `csv_embedding`, as space-separated numbers. Never overwrites a file with a partial one: the
    table goes to a temp file beside it, renamed when complete (removed on failure).
    """
    with atomic_path(path) as tmp:
        return _write_table(dataset, coords, path, tmp, embeddings, columns, indices, csv_embedding)


def _write_table(dataset: Dataset, coords, path: str, tmp: str, embeddings: bool, columns: dict | None,
                 indices, csv_embedding: bool) -> int:  # fmt: skip
    cols = table_rows(dataset, coords, columns, indices)
    extra = list(columns or {})
    ext = os.path.splitext(path)[1].lower()
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
                **{name: pa.array(arrays[name]) for name in extra},
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
            names = ["path", "label", "x", "y", *extra] + (["embedding"] if csv_embedding else []) + ["error"]
            w.writerow(names)
            for i in range(len(cols["path"])):
                row = []
                for name in names:
                    v = cols[name][i]
                    if name == "embedding":
                        v = "" if v is None else " ".join(f"{e:.7g}" for e in v)
                    row.append("" if v is None else csv_cell(v))
                w.writerow(row)
    else:
        raise ValueError(f"Cannot write '{ext or path}': use a .parquet or .csv file name.")
    return len(cols["path"])


# --- exports of a selection or group (the Explore features) -------------------------------------------
def write_projector(
    dataset: Dataset, folder: str, columns: dict | None = None, indices=None
) -> tuple[str, str]:
    """TensorBoard Embedding Projector files: vectors.tsv (one row per point, tab-separated floats)
    and metadata.tsv (a header row, then label/name/extra columns), plus a projector_config.pbtxt."""
    os.makedirs(folder, exist_ok=True)
    rows = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=int)
    emb = dataset.embeddings[rows]
    vec_path = os.path.join(folder, "vectors.tsv")
    meta_path = os.path.join(folder, "metadata.tsv")
    with atomic_open(vec_path, "w", encoding="utf-8", newline="\n") as fh:
        for v in emb:
            fh.write("\t".join(f"{e:.7g}" for e in v) + "\n")
    names = {
        "name": [
            _tsv(
                os.path.basename(display_path(dataset.items[i]))
                if dataset.kind == "images"
                else dataset.items[i]
            )
            for i in rows
        ],  # fmt: skip
        "label": [_tsv(dataset.labels[i]) for i in rows],
    }
    for key, values in (columns or {}).items():
        values = np.asarray(values, dtype=object)
        names[key] = [_tsv(values[i]) for i in rows]
    with atomic_open(meta_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(names) + "\n")
        for r in range(len(rows)):
            fh.write("\t".join(col[r] for col in names.values()) + "\n")
    with atomic_open(os.path.join(folder, "projector_config.pbtxt"), "w", encoding="utf-8") as fh:
        fh.write('embeddings {\n  tensor_name: "latentview"\n  tensor_path: "vectors.tsv"\n'
                 '  metadata_path: "metadata.tsv"\n}\n')  # fmt: skip
    return vec_path, meta_path


def _tsv(value) -> str:
    return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")


def safe_name(name: str) -> str:
    """A folder name from a cluster or group name, safe on every file system."""
    bad = '<>:"/\\|?*'
    out = "".join("_" if (c in bad or ord(c) < 32) else c for c in name).strip(" .")
    return out[:80] or "unnamed"


def _own_folder(dest: str, name: str) -> str:
    """A real sub-folder of `dest`: a name taken by a symbolic link or a file gets a numbered suffix
    instead, so an export never writes through a link to somewhere outside the chosen folder."""
    folder = os.path.join(dest, name)
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        folder = _free_path(folder)
    os.makedirs(folder, exist_ok=True)
    return folder


def _free_path(path: str) -> str:
    """`path`, or `stem_2.ext`, `stem_3.ext`… : the first name not taken (never overwrite)."""
    if not os.path.lexists(path):
        return path
    stem, ext = os.path.splitext(path)
    i = 2
    while os.path.lexists(f"{stem}_{i}{ext}"):
        i += 1
    return f"{stem}_{i}{ext}"


def export_folders(dataset: Dataset, sets: dict[str, np.ndarray], dest: str, mode: str = "copy"):
    """Generator: one sub-folder per cluster/group under `dest`, holding copies (or symbolic links) of
    its images. The user's files are never moved and nothing existing is overwritten (a taken name
    gets a numbered suffix). Yields Progress; returns {folder name: files written}."""
    import shutil

    from latentview.core.progress import Progress

    if dataset.kind != "images":
        raise ValueError("Folders of files can only be exported for image maps.")
    if mode not in ("copy", "link"):
        raise ValueError("mode must be 'copy' or 'link'")
    total = int(sum(len(np.asarray(v)) for v in sets.values()))
    done = 0
    written: dict[str, int] = {}
    os.makedirs(dest, exist_ok=True)
    for name, indices in sets.items():
        folder = _own_folder(dest, safe_name(name))
        written[os.path.basename(folder)] = 0
        for i in np.asarray(indices, dtype=int):
            src = dataset.items[i]
            target = _free_path(os.path.join(folder, os.path.basename(src)))
            if mode == "link":
                os.symlink(os.path.abspath(src), target)
            else:
                shutil.copy2(src, target)
            written[os.path.basename(folder)] += 1
            done += 1
            if done % 25 == 0 or done == total:
                yield Progress(done, total, f"Exporting to {display_path(dest)}", unit="files")
    return written
