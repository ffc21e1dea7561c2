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
