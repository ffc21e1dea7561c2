"""Session files: enough JSON to resume exactly where the user left off.

Images are stored by reference (folder + model): reopening re-ingests through the embedding cache,
so it is fast and never copies the user's files. Other maps (words, GAN samples) keep their items and
embeddings in a sidecar `.npz` next to the JSON. Coordinates, clusters, groups and the view range are
stored so nothing is recomputed; arrays of more than ARRAY_INLINE_MAX values (a big map's coordinates,
cluster labels, group members) go into the sidecar as well and the JSON names them
(`{"array": "coords"}`): parsing them from JSON would hold the interpreter for seconds, freezing the
window even from a worker thread. The recent-sessions list lives in the config folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentview.backends.paths import config_dir
from latentview.core.atomic import atomic_open, atomic_path
from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.core.progress import Progress
from latentview.services.session_schema import FORMAT, VERSION, SessionFileError, read_valid_session

ARRAY_INLINE_MAX = 50_000
RECENT_MAX = 10


@dataclass
class SessionData:
    kind: str
    source: str
    model: str
    n: int
    projection: str = ""
    projection_params: dict = field(default_factory=dict)
    coords: np.ndarray | None = None
    clustering: Clustering | None = None
    groups: list[dict] = field(default_factory=list)
    view: list[list[float]] | None = None  # [[x0, x1], [y0, y1]]
    colour_by: str = "label"
    items_head: list[str] = field(default_factory=list)  # first items, to check the folder still matches
    sidecar: str = ""  # .npz with items/labels/embeddings for non-image maps
    dataset: Dataset | None = None  # filled when loaded from a sidecar
    extras: dict = field(
        default_factory=dict
    )  # per-feature JSON state ("words", "gan"): AppState.session_parts
    table: dict | None = None  # a table map: the TableSpec that reopens the table (no sidecar)


def save_session(path: str, data: SessionData, dataset: Dataset | None = None) -> str:
    """Write the session (JSON, plus a `.data.npz` sidecar for data and large arrays) atomically."""
    path = str(path)
    arrays: dict[str, np.ndarray] = {}

    def arr(name: str, values):
        if values is None:
            return None
        a = np.asarray(values)
        if a.size > ARRAY_INLINE_MAX:
            arrays[name] = a
            return {"array": name}
        return a.tolist()

    c = data.clustering
    clusters = None if c is None else {"labels": arr("cluster_labels", c.labels), "names": list(c.names),
                                        "method": c.method, "params": dict(c.params)}  # fmt: skip
    groups = [{**g, "indices": arr(f"group_{i}", g.get("indices", []))} for i, g in enumerate(data.groups)]
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "dataset": {"kind": data.kind, "source": os.path.abspath(data.source) if data.kind == "images" and
                    data.source else data.source, "model": data.model, "n": data.n,
                    "items_head": data.items_head},  # fmt: skip
        "projection": {"method": data.projection, "params": data.projection_params,
                       "coords": arr("coords", None if data.coords is None else np.asarray(data.coords, float))},
        "clusters": clusters,
        "groups": groups,
        "view": data.view,
        "colour_by": data.colour_by,
        "extras": data.extras,
    }  # fmt: skip
    table = dataset.meta.get("table") if dataset is not None else None
    if table is not None:
        doc["dataset"]["table"] = table["spec"]  # a table map reopens its table: no data sidecar
    elif data.kind != "images" and dataset is not None:
        arrays.update(items=_strings(dataset.items), labels=_strings(dataset.labels),
                      embeddings=dataset.embeddings)  # fmt: skip
    if arrays:
        sidecar = os.path.splitext(path)[0] + ".data.npz"
        with atomic_path(sidecar, suffix=".npz") as tmp:
            np.savez(tmp, **arrays)  # not compressed: embeddings barely compress, and it is 10× faster
        doc["dataset"]["sidecar"] = os.path.basename(sidecar)
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    add_recent(path)
    return path


def _strings(values: list[str], block: int = 65_536) -> np.ndarray:
    """A fixed-width string array filled in blocks (one long C call would hold the interpreter)."""
    width = max(map(len, values), default=1) or 1
    out = np.empty(len(values), dtype=f"<U{width}")
    for s in range(0, len(values), block):
        out[s : s + block] = values[s : s + block]
    return out


def load_session(path: str) -> SessionData:
    """The whole file (JSON and sidecar) is validated first (session_schema): nothing half-restores."""
    doc, side = read_valid_session(path)  # sidecar-held arrays already put in place of their names
    ds, proj = doc["dataset"], doc.get("projection") or {}
    coords = proj.get("coords")
    clusters = doc.get("clusters")
    data = SessionData(
        kind=ds["kind"], source=ds.get("source", ""), model=ds.get("model", ""), n=int(ds.get("n", 0)),
        projection=proj.get("method", ""), projection_params=proj.get("params") or {},
        coords=None if coords is None else np.asarray(coords, np.float64),
        clustering=Clustering.from_json(clusters) if clusters else None,
        groups=[{**g, "indices": np.asarray(g.get("indices", []), np.int64)} for g in doc.get("groups") or []],
        view=doc.get("view"), colour_by=doc.get("colour_by", "label"),
        items_head=ds.get("items_head") or [], sidecar=ds.get("sidecar", ""), extras=doc.get("extras") or {},
        table=ds.get("table"),
    )  # fmt: skip
    if data.table is not None:  # a table map: the window reopens the table itself
        if not os.path.exists(data.table["path"]):
            raise SessionFileError(f"The session's table is gone: {data.table['path']}")
    elif side is not None and "items" in side:
        data.dataset = Dataset(data.kind, side["items"], side["labels"], side["embeddings"],
                               source=data.source, model=data.model)  # fmt: skip
    elif data.kind == "images" and not os.path.isdir(data.source):
        raise SessionFileError(f"The session's image folder is gone: {data.source}")
    add_recent(path)
    return data


def check_matches(data: SessionData, dataset: Dataset) -> None:
    """The re-ingested folder must still be the one the session's coordinates describe."""
    if len(dataset) != data.n or [str(i) for i in dataset.items[: len(data.items_head)]] != data.items_head:
        raise SessionFileError(
            f"The folder changed since the session was saved ({data.n:,} images then, {len(dataset):,} "
            "now); the map is recomputed instead."
        )


# --- generators for the task runner (the window saves and reopens off the GUI thread) -------------
def save_task(path: str, data: SessionData, dataset: Dataset | None = None):
    yield Progress(0, 1, "Saving session")
    return save_session(path, data, dataset)


def load_task(path: str):
    yield Progress(0, 1, f"Reading {os.path.basename(path)}")
    data = load_session(path)
    if data.dataset is not None:
        data.dataset.label_codes()  # cached on the dataset: not a pass over every label on the GUI thread
    return data


def reingest_task(source: str, options):
    """The session's image folder embedded again (through the embedding cache)."""
    from latentview.services.ingest import ingest_folder

    dataset = yield from ingest_folder(source, options)
    dataset.label_codes()  # warmed here, off the GUI thread
    return dataset


# --- recent sessions ----------------------------------------------------------------------------------
def _recent_file() -> Path:
    return config_dir() / "recent_sessions.json"


def recent_sessions() -> list[str]:
    try:
        items = json.loads(_recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in items if isinstance(p, str) and os.path.exists(p)][:RECENT_MAX]


def add_recent(path: str) -> None:
    path = os.path.abspath(path)
    items = [path] + [p for p in recent_sessions() if p != path]
    with atomic_open(_recent_file(), "w", encoding="utf-8") as fh:
        fh.write(json.dumps(items[:RECENT_MAX]))
