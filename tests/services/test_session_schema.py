"""Tampered session files (issue 10): every variant is refused in one sentence before anything is
built, never blocks on a FIFO, never follows a path out of the session's folder, never unpickles."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.services.session_file import SessionData, SessionFileError, load_session, save_session

N = 4


def _valid(tmp_path) -> str:
    ds = Dataset(
        "words", list("abcd"), ["x", "y", "x", "y"], np.eye(N, dtype=np.float32), source="g", model="g"
    )
    data = SessionData("words", "g", "g", N, "pca", {"k": 5}, np.arange(8.0).reshape(N, 2),
                       Clustering(np.array([0, 0, 1, -1]), ["ab", "c"]),
                       [{"name": "G", "color": "#ff0000", "indices": [1, 2]}], [[0, 1], [2, 3]], "cluster",
                       list("abcd"))  # fmt: skip
    return save_session(str(tmp_path / "s.json"), data, ds)


def _edit(path: str, fn) -> str:
    doc = json.loads(open(path, encoding="utf-8").read())
    fn(doc)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    return path


def _set(keys: str, value):
    def fn(doc):
        *head, last = keys.split(".")
        d = doc
        for k in head:
            d = d[k]
        d[last] = value

    return fn


TAMPERED = {
    "flat coords": _set("projection.coords", [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
    "coords of another size": _set("projection.coords", [[0, 1]] * 3),
    "NaN coords": _set("projection.coords", [[float("nan"), 1]] + [[0, 1]] * 3),
    "huge coords": _set("projection.coords", [[1e300, 1]] + [[0, 1]] * 3),
    "colour_by a number": _set("colour_by", 5),
    "colour_by unknown": _set("colour_by", "evil"),
    "group index out of range": _set("groups", [{"name": "G", "indices": [999]}]),
    "negative group index": _set("groups", [{"name": "G", "indices": [-1]}]),
    "group indices not a list": _set("groups", [{"name": "G", "indices": "abc"}]),
    "group not a table": _set("groups", ["G"]),
    "group without a name": _set("groups", [{"indices": [1]}]),
    "bogus projection method": _set("projection.method", "rm -rf"),
    "view reversed": _set("view", [[1, 0], [0, 1]]),
    "view malformed": _set("view", ["a", 1]),
    "view NaN": _set("view", [[float("nan"), 1], [0, 1]]),
    "cluster label 10,000,000": _set("clusters.labels", [0, 0, 10_000_000, -1]),
    "cluster labels of another size": _set("clusters.labels", [0]),
    "too many cluster names": _set("clusters.names", ["n"] * 100),
    "n not a number": _set("dataset.n", "4"),
    "n bigger than the data": _set("dataset.n", 10_000_000),
    "unknown kind": _set("dataset.kind", "pickle"),
    "version not a number": _set("version", "1"),
    "sidecar with ../": _set("dataset.sidecar", "../s.data.npz"),
    "sidecar absolute": _set("dataset.sidecar", "/etc/passwd"),
    "sidecar not .npz": _set("dataset.sidecar", "s.json"),
    "words without a sidecar": _set("dataset.sidecar", ""),
}


def _sentence(exc) -> str:
    text = str(exc)
    assert "\n" not in text and text.endswith(".") and "allow_pickle" not in text, text
    return text


@pytest.mark.parametrize("variant", list(TAMPERED))
def test_every_tampered_variant_is_refused_in_one_sentence(tmp_path, variant):
    path = _edit(_valid(tmp_path), TAMPERED[variant])
    with pytest.raises(SessionFileError) as err:
        load_session(path)
    _sentence(err.value)


def test_the_valid_session_still_loads(tmp_path):
    data = load_session(_valid(tmp_path))
    assert data.dataset.items == list("abcd") and data.coords.shape == (N, 2)
    assert data.clustering.names == ["ab", "c"] and data.colour_by == "cluster"


def _npz(path, arrays: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, raw in arrays.items():
            zf.writestr(f"{name}.npy", raw)


def _npy(arr=None, header: dict | None = None) -> bytes:
    buf = io.BytesIO()
    if header is None:
        np.save(buf, arr, allow_pickle=True)
    else:  # a header that promises far more than the bytes that follow
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(b"\0" * 64)
    return buf.getvalue()


def test_sidecar_bombs_and_pickles_are_refused_before_reading(tmp_path):
    path = _valid(tmp_path)
    side = tmp_path / "s.data.npz"
    ok_items = _npy(np.array(list("abcd")))
    bombs = {
        "huge embeddings": {"items": ok_items, "labels": ok_items,
                            "embeddings": _npy(header={"descr": "<f4", "fortran_order": False, "shape": (N, 250_000_000)})},
        "huge strings": {"items": _npy(header={"descr": "<U100000000", "fortran_order": False, "shape": (N,)}),
                         "labels": ok_items, "embeddings": _npy(np.eye(N, dtype=np.float32))},
        "object arrays": {"items": _npy(np.array(list("abcd"), dtype=object)), "labels": ok_items,
                          "embeddings": _npy(np.eye(N, dtype=np.float32))},
        "NaN embeddings": {"items": ok_items, "labels": ok_items,
                           "embeddings": _npy(np.full((N, 2), np.nan, np.float32))},
        "missing arrays": {"items": ok_items},
    }  # fmt: skip
    for name, arrays in bombs.items():
        _npz(side, arrays)
        with pytest.raises(SessionFileError) as err:
            load_session(path)
        assert _sentence(err.value), name
    side.write_bytes(b"not a zip")
    with pytest.raises(SessionFileError):
        load_session(path)


def test_fifo_and_linked_files_are_refused_without_blocking(tmp_path):
    path = _valid(tmp_path)
    side = tmp_path / "s.data.npz"
    os.unlink(side)
    os.mkfifo(side)  # opening this for reading would block forever
    with pytest.raises(SessionFileError, match="not a regular file"):
        load_session(path)
    os.unlink(side)
    outside = tmp_path / "elsewhere.npz"
    outside.write_bytes(b"x")
    os.symlink(outside, side)
    with pytest.raises(SessionFileError, match="link"):
        load_session(path)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(SessionFileError, match="not a regular file"):
        load_session(str(fifo))
