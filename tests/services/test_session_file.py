"""Session files round trip; the recent list; sentences for bad files."""

import json

import numpy as np
import pytest

from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.services.session_file import (
    SessionData,
    SessionFileError,
    load_session,
    recent_sessions,
    save_session,
)


def test_words_session_round_trips_with_its_data(tmp_path):
    ds = Dataset(
        "words", ["a", "b", "c"], ["x", "y", "x"], np.eye(3, dtype=np.float32), source="glove", model="g"
    )
    data = SessionData("words", "glove", "g", 3, "umap", {"n_neighbors": 5}, np.array([[0, 1], [2, 3], [4, 5.0]]),
                       Clustering(np.array([0, 0, -1]), ["ab"]), [{"name": "G", "color": "#ff0000", "indices": [1]}],
                       [[0, 1], [2, 3]], "cluster", ["a", "b", "c"])  # fmt: skip
    path = save_session(str(tmp_path / "s.json"), data, ds)
    back = load_session(path)
    assert back.dataset.items == ds.items and np.array_equal(back.dataset.embeddings, ds.embeddings)
    assert np.array_equal(back.coords, data.coords) and back.view == [[0, 1], [2, 3]]
    assert back.clustering.names == ["ab"] and back.clustering.labels.tolist() == [0, 0, -1]
    assert back.groups == data.groups and back.colour_by == "cluster" and back.projection == "umap"
    assert recent_sessions()[0] == path


def test_bad_files_are_sentences(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{not json")
    with pytest.raises(SessionFileError, match="not a latentview session"):
        load_session(str(p))
    p.write_text(json.dumps({"format": "latentview-session", "version": 99}))
    with pytest.raises(SessionFileError, match="newer"):
        load_session(str(p))
    p.write_text(json.dumps({"format": "latentview-session", "version": 1,
                             "dataset": {"kind": "images", "source": str(tmp_path / "gone")}}))  # fmt: skip
    with pytest.raises(SessionFileError, match="folder is gone"):
        load_session(str(p))


def test_big_arrays_go_to_the_sidecar_and_old_inline_files_still_open(tmp_path):
    n = 60_000  # more values than ARRAY_INLINE_MAX: coordinates, labels and a big group
    rng = np.random.default_rng(0)
    ds = Dataset("gan", [f"s{i}" for i in range(n)], ["x"] * n, rng.normal(size=(n, 3)).astype(np.float16))
    coords = rng.normal(size=(n, 2))
    labels = rng.integers(-1, 4, n)
    big, small = np.arange(0, n, 1), np.array([3, 5])
    data = SessionData("gan", "gen", "m", n, "pca", {}, coords, Clustering(labels, ["a", "b", "c", "d"]),
                       [{"name": "big", "color": "", "indices": big}, {"name": "small", "color": "", "indices": small}],
                       None, "cluster", ["s0"], extras={"gan": {"seed": 3}})  # fmt: skip
    path = save_session(str(tmp_path / "s.json"), data, ds)
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert doc["projection"]["coords"] == {"array": "coords"} and doc["groups"][1]["indices"] == [3, 5]
    assert (tmp_path / "s.json").stat().st_size < 10_000  # the JSON stays small: nothing to parse for seconds
    back = load_session(path)
    assert np.array_equal(back.coords, coords) and np.array_equal(back.clustering.labels, labels)
    assert np.array_equal(back.groups[0]["indices"], big) and list(back.groups[1]["indices"]) == [3, 5]
    assert back.dataset.embeddings.dtype == np.float16 and back.dataset.items[-1] == f"s{n - 1}"
    assert back.extras == {"gan": {"seed": 3}}
    # a version-1 file (everything inline) opens the same way
    doc = {"format": "latentview-session", "version": 1, "dataset": {"kind": "words", "source": "", "n": 2,
           "sidecar": "s.data.npz"}, "projection": {"method": "pca", "coords": [[0, 1], [2, 3]]},
           "clusters": {"labels": [0, -1], "names": ["z"]}, "groups": [{"name": "g", "indices": [1]}]}  # fmt: skip
    np.savez(tmp_path / "old.data.npz", items=np.array(["a", "b"]), labels=np.array(["x", "x"]),
             embeddings=np.eye(2, dtype=np.float32))  # fmt: skip
    doc["dataset"]["sidecar"] = "old.data.npz"
    (tmp_path / "old.json").write_text(json.dumps(doc), encoding="utf-8")
    old = load_session(str(tmp_path / "old.json"))
    assert (
        old.coords.tolist() == [[0, 1], [2, 3]]
        and old.clustering.names == ["z"]
        and old.dataset.items == ["a", "b"]
    )
    # a sidecar that lacks a named array is a sentence, not a KeyError
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    doc["projection"]["coords"] = {"array": "nope"}
    (tmp_path / "s.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SessionFileError, match="lacks the coordinates"):
        load_session(path)
