"""A session file checked as a whole before anything on screen changes (Qt-free).

A session is data from anywhere: a flat `coords` list once made paint() raise and PySide6 crash,
`colour_by: 5` broke the window until restart, a 1 MB sidecar made the GUI allocate ~1 GB, and `../`
sidecar names or a FIFO were followed. `read_valid_session` reads the JSON and its sidecar under these
rules, then the loader builds from them; any failure is one `SessionFileError` sentence and the window
is left as it was:

- files: regular files only (never a FIFO or device), the JSON at most MAX_JSON_BYTES; the sidecar is
  a plain file name beside the session (no folders, no `..`), an `.npz` read with
  `allow_pickle=False` whose array headers are checked before any array is read (the shared rules of
  backends/array_files.py, then the session's own below);
- schema version, types, and value ranges of every field the loader uses;
- sizes bounded by the file's own item count `n`: coordinates (n × 2), cluster labels (n, each within
  the named clusters), at most n cluster names, group indices within 0…n−1, sidecar arrays of n rows;
- numbers finite (coordinates, the view, embeddings) and within ±MAX_COORD.
Arrays too big for JSON (a big map's coordinates, cluster labels, group members) live in the sidecar
and the JSON names them (`{"array": "coords"}`); they are checked like their inline forms.
Unknown keys are ignored, so later versions can add fields.
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile

import numpy as np

from latentview.backends.array_files import npz_headers
from latentview.core.errors import UserError
from latentview.core.textsafe import display_path

FORMAT = "latentview-session"
VERSION = 2  # 2: arrays of a big map may live in the sidecar, named in the JSON as {"array": name}
KINDS = ("images", "words", "gan", "table")
METHODS = ("", "pca", "umap", "tsne")
COLOUR_MODES = ("label", "cluster", "group", "trust")
MAX_JSON_BYTES = 1 << 30
MAX_ITEMS = 50_000_000
MAX_DIM = 65_536
MAX_TEXT = 4096  # characters in a name, a path, a label
MAX_GROUPS = 10_000
MAX_COORD = 1e9  # projections are O(1)–O(1e4); pyqtgraph misdraws beyond
MAX_SIDECAR_VALUES = 4 << 30  # embedding numbers (n × dim)


class SessionFileError(UserError):
    """The file is not a session this version can open; the message says why."""


def _bad(what: str) -> SessionFileError:
    return SessionFileError(
        f"This session file is damaged or was edited by hand: {what}; nothing was changed."
    )


def _open_regular(path: str, what: str):
    """Open without blocking on a FIFO, and only if it is a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SessionFileError(f"{what} not found: {os.path.basename(path)}.") from None
    except OSError as exc:
        raise SessionFileError(
            f"Cannot read {what.lower()} {os.path.basename(path)}: {exc.strerror}."
        ) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SessionFileError(f"{what} {os.path.basename(path)} is not a regular file.")
    return os.fdopen(fd, "rb"), st.st_size


# --- small type checks ----------------------------------------------------------------------------------
def _text(v, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str) or len(v) > limit or "\x00" in v:
        raise _bad(f"{what} is not a text of at most {limit} characters")
    return v


def _int(v, what: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise _bad(f"{what} is not a whole number from {lo:,} to {hi:,}")
    return v


def _scalars(v, what: str) -> dict:
    if v is None:
        return {}
    ok = isinstance(v, dict) and len(v) <= 100 and all(
        isinstance(k, str) and len(k) <= 100 and (x is None or isinstance(x, (bool, int, float, str)))
        and (not isinstance(x, str) or len(x) <= MAX_TEXT)
        and (not isinstance(x, float) or math.isfinite(x))
        for k, x in v.items()
    )  # fmt: skip
    if not ok:
        raise _bad(f"{what} are not a small table of plain values")
    return v


def _int_array(v, what: str, n_max: int, lo: int, hi: int) -> np.ndarray:
    if isinstance(v, np.ndarray):
        if v.ndim != 1 or v.dtype.kind not in "iu" or len(v) > n_max:
            raise _bad(f"{what} are not a list of at most {n_max:,} whole numbers")
        arr = v.astype(np.int64)
        if arr.size and (arr.min() < lo or arr.max() > hi):
            raise _bad(f"{what} hold a number outside {lo:,}…{hi:,}")
        return arr
    if (
        not isinstance(v, list)
        or len(v) > n_max
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    ):
        raise _bad(f"{what} are not a list of at most {n_max:,} whole numbers")
    arr = np.asarray(v, dtype=np.int64)
    if arr.size and (arr.min() < lo or arr.max() > hi):
        raise _bad(f"{what} hold a number outside {lo:,}…{hi:,}")
    return arr


def _finite(arr: np.ndarray, what: str) -> None:
    if arr.size and (not np.isfinite(arr).all() or np.abs(arr).max() > MAX_COORD):
        raise _bad(f"{what} hold numbers that are not finite or are absurdly large")


# --- the JSON ---------------------------------------------------------------------------------------------
def _precheck(doc, path: str) -> int:
    """Format, version, dataset kind, item count and the sidecar's name: what reading the sidecar needs."""
    name = os.path.basename(path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionFileError(f"{name} is not a latentview session file.")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise SessionFileError("This session was saved by a newer latentview; please update to open it.")
    _int(version, "the version", 1, VERSION)
    ds = doc.get("dataset")
    if not isinstance(ds, dict):
        raise _bad("it has no dataset")
    if ds.get("kind") not in KINDS:
        raise _bad(f"the dataset kind is not one of {', '.join(KINDS)}")
    n = _int(ds.get("n", 0), "the item count", 0, MAX_ITEMS)
    sidecar = ds.get("sidecar", "")
    _text(sidecar, "the data file name", 255)
    if sidecar and (sidecar != os.path.basename(sidecar) or "/" in sidecar or "\\" in sidecar
                    or sidecar in (".", "..") or not sidecar.endswith(".npz")):  # fmt: skip
        raise _bad("its data file is not a plain .npz file name beside the session")
    return n


def _check_doc(doc, path: str) -> int:
    """Every field the loader uses (after the sidecar's arrays were put in place of their names)."""
    n = _precheck(doc, path)
    ds = doc["dataset"]
    _text(ds.get("source", ""), "the source")
    _text(ds.get("model", ""), "the model")
    head = ds.get("items_head") or []
    if not isinstance(head, list) or len(head) > min(n, 100):
        raise _bad("the first items list is too long")
    for item in head:
        _text(item, "an item")
    sidecar = ds.get("sidecar", "")
    table = ds.get("table")
    if table is not None:
        _check_table(table)
    elif ds["kind"] != "images" and not sidecar:
        raise _bad("a words, GAN or table session needs its data file or its table")
    _check_projection(doc.get("projection"), n)
    _check_clusters(doc.get("clusters"), n)
    _check_groups(doc.get("groups"), n)
    _check_view(doc.get("view"))
    mode = doc.get("colour_by", "label")
    _text(mode, "the colouring")
    if mode not in COLOUR_MODES and not mode.startswith("meta:"):
        raise _bad(f"the colouring ‘{mode[:40]}’ is not one latentview knows")
    return n


def _check_table(table) -> None:
    """A table map's reference to its table (a file of numbers: opening it runs no code)."""
    if not isinstance(table, dict):
        raise _bad("its table is not a table reference")
    _text(table.get("path"), "the table's path")
    if table.get("metadata") is not None:
        _text(table["metadata"], "the metadata file's path")
    if table.get("embed_text") is not None:
        _text(table["embed_text"], "the text column", 500)
    choices = table.get("choices") or {}
    if not isinstance(choices, dict) or len(choices) > 100 or not all(
        isinstance(k, str) and len(k) <= 100 and (v is None or (isinstance(v, str) and len(v) <= 500))
        for k, v in choices.items()
    ):  # fmt: skip
        raise _bad("its table's column choices are not a small table of names")


def _check_projection(proj, n: int) -> None:
    if proj is None:
        return
    if not isinstance(proj, dict) or proj.get("method", "") not in METHODS:
        raise _bad(f"the projection method is not one of {', '.join(m for m in METHODS if m)}")
    _scalars(proj.get("params"), "the projection parameters")
    coords = proj.get("coords")
    if coords is None:
        return
    if isinstance(coords, np.ndarray):
        if coords.shape != (n, 2) or coords.dtype.kind not in "fiu":
            raise _bad(f"the coordinates are not {n:,} (x, y) pairs")
        _finite(coords.astype(np.float64), "the coordinates")
        return
    if not isinstance(coords, list) or len(coords) != n or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p)
        for p in coords
    ):  # fmt: skip
        raise _bad(f"the coordinates are not {n:,} (x, y) pairs")
    _finite(np.asarray(coords, dtype=np.float64).reshape(-1, 2), "the coordinates")


def _check_clusters(cl, n: int) -> None:
    if cl is None:
        return
    if not isinstance(cl, dict):
        raise _bad("the clusters are not a table")
    names = cl.get("names")
    if not isinstance(names, list) or len(names) > max(n, 1):
        raise _bad("the cluster names are not a list of at most one name per item")
    for name in names:
        _text(name, "a cluster name", 500)
    labels = _int_array(cl.get("labels"), "the cluster labels", n, -1, len(names) - 1)
    if len(labels) != n:
        raise _bad(f"the cluster labels are not one per item ({n:,})")
    _text(cl.get("method", ""), "the cluster method", 100)
    _scalars(cl.get("params"), "the cluster parameters")
    conf = cl.get("confidence", [])
    if not isinstance(conf, list) or len(conf) > len(names) or not all(
        isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c <= 1 for c in conf
    ):  # fmt: skip
        raise _bad("the cluster confidences are not one share (0…1) per cluster")
    levels = cl.get("levels", [])
    if not isinstance(levels, list) or len(levels) > 64:
        raise _bad("the cluster hierarchy is not a short list of levels")
    for lv in levels:
        if not isinstance(lv, dict) or not isinstance(lv.get("names"), list) or len(lv["names"]) > len(names):
            raise _bad("a level of the cluster hierarchy is malformed")
        for name in lv["names"]:
            _text(name, "a cluster group name", 500)
        parent = _int_array(lv.get("parent"), "a level's cluster groups", len(names), 0, len(lv["names"]) - 1)
        if len(parent) != len(names):
            raise _bad("a level of the cluster hierarchy does not cover every cluster")


def _check_groups(groups, n: int) -> None:
    if groups is None:
        return
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise _bad(f"the groups are not a list of at most {MAX_GROUPS:,}")
    for g in groups:
        if not isinstance(g, dict):
            raise _bad("a group is not a table")
        _text(g.get("name"), "a group name", 500)
        colour = _text(g.get("color", ""), "a group colour", 32)
        if colour and not (colour.startswith("#") and len(colour) in (4, 7, 9)
                           and all(c in "0123456789abcdefABCDEF" for c in colour[1:])):  # fmt: skip
            raise _bad("a group colour is not a #rrggbb colour")
        _int_array(g.get("indices", []), "a group's items", n, 0, n - 1)


def _check_view(view) -> None:
    if view is None:
        return
    ok = isinstance(view, list) and len(view) == 2 and all(
        isinstance(r, list) and len(r) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in r)
        for r in view
    )  # fmt: skip
    if not ok:
        raise _bad("the view is not [[x0, x1], [y0, y1]]")
    arr = np.asarray(view, dtype=np.float64)
    _finite(arr, "the view")
    if not (arr[:, 1] > arr[:, 0]).all():
        raise _bad("the view's ranges are empty or reversed")


# --- the sidecar ------------------------------------------------------------------------------------------
DATA_ARRAYS = ("items", "labels", "embeddings")


def _check_member(name: str, shape: tuple, dtype: np.dtype, n: int) -> None:
    """Header rules for one sidecar array, before it is read."""
    if name in ("items", "labels"):
        if dtype.kind != "U" or shape != (n,) or dtype.itemsize > 4 * MAX_TEXT:
            raise _bad(f"its data file's {name} are not {n:,} texts")
    elif name == "embeddings":
        if (dtype.kind != "f" or len(shape) != 2 or shape[0] != n or not 1 <= shape[1] <= MAX_DIM
                or shape[0] * shape[1] > MAX_SIDECAR_VALUES):  # fmt: skip
            raise _bad(f"its data file's embeddings are not {n:,} rows of numbers")
    elif name == "coords":
        if dtype.kind not in "fiu" or shape != (n, 2):
            raise _bad(f"its data file's coordinates are not {n:,} (x, y) pairs")
    elif name == "cluster_labels" or name.startswith("group_"):
        if dtype.kind not in "iu" or len(shape) != 1 or shape[0] > n:
            raise _bad(f"its data file's {name} are not at most {n:,} whole numbers")
    else:
        raise _bad(f"its data file holds an unknown array ‘{name[:40]}’")


def _read_sidecar(path: str, name: str, n: int, data_needed: bool) -> dict:
    side = os.path.join(os.path.dirname(os.path.abspath(path)), name)
    if os.path.islink(side):
        raise _bad("its data file is a link")
    fh, size = _open_regular(side, "The session's data file")
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
            members = [m[:-4] for m in zf.namelist() if m.endswith(".npy")]
            if len(members) != len(zf.namelist()) or len(members) > MAX_GROUPS + 10:
                raise _bad("its data file holds something other than arrays")
            if data_needed and not set(DATA_ARRAYS) <= set(members):
                raise _bad("its data file lacks items, labels or embeddings")
            for m, (shape, dtype) in npz_headers(zf, size, display_path(name), SessionFileError).items():
                _check_member(m, shape, dtype, n)
            fh.seek(0)
            with np.load(fh, allow_pickle=False) as f:
                out = {m: f[m] for m in members}
        except SessionFileError:
            raise
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError):
            raise _bad("its data file is not a readable latentview .npz") from None
    if "embeddings" in out and not np.isfinite(out["embeddings"]).all():
        raise _bad("its data file's embeddings hold numbers that are not finite")
    for m in ("items", "labels"):
        if m in out:
            out[m] = [str(s) for s in out[m]]
    return out


def _put_arrays(doc: dict, side: dict | None) -> None:
    """Replace every {"array": name} in the places arrays may be named with the sidecar's array."""

    def resolve(value, what: str):
        if isinstance(value, dict) and set(value) == {"array"}:
            name = value["array"]
            if side is None or not isinstance(name, str) or name not in side:
                raise _bad(f"its data file lacks the {what}")
            return side[name]
        return value

    proj = doc.get("projection")
    if isinstance(proj, dict) and "coords" in proj:
        proj["coords"] = resolve(proj["coords"], "coordinates")
    cl = doc.get("clusters")
    if isinstance(cl, dict) and "labels" in cl:
        cl["labels"] = resolve(cl["labels"], "cluster labels")
    groups = doc.get("groups")
    if isinstance(groups, list):
        for g in groups:
            if isinstance(g, dict) and "indices" in g:
                g["indices"] = resolve(g["indices"], "group members")


def read_valid_session(path: str) -> tuple[dict, dict | None]:
    """(the JSON document, the sidecar arrays or None), every rule above checked; else SessionFileError."""
    fh, size = _open_regular(path, "Session file")
    with fh:
        if size > MAX_JSON_BYTES:
            raise SessionFileError(f"{os.path.basename(path)} is too large to be a latentview session.")
        try:
            doc = json.loads(fh.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise SessionFileError(
                f"{os.path.basename(path)} is not a latentview session (not JSON)."
            ) from None
    n = _precheck(doc, path)
    sidecar = doc["dataset"].get("sidecar", "")
    side = _read_sidecar(path, sidecar, n, doc["dataset"]["kind"] != "images") if sidecar else None
    _put_arrays(doc, side)
    _check_doc(doc, path)
    if not isinstance(doc.get("extras", {}), dict):
        raise _bad("its view state is not a table")
    return doc, side
