"""Exports of selections, groups and clusters read back equal; folders never move or overwrite."""

import csv
import os

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from latentview.core.dataset import Dataset, Failure
from latentview.services.export import export_folders, write_projector, write_table
from latentview.services.runner import drive


@pytest.fixture
def images(tmp_path):
    root = tmp_path / "photos"
    items = []
    for i in range(6):
        sub = root / ("red" if i < 3 else "blue")
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / f"img{i % 3}.png"
        Image.new("RGB", (8, 8), (200, 10 * i, 10)).save(p)
        items.append(str(p))
    emb = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    ds = Dataset("images", items, ["red"] * 3 + ["blue"] * 3, emb, source=str(root),
                 failures=[Failure(str(root / "red" / "bad.jpg"), "not an image")])  # fmt: skip
    coords = np.arange(12, dtype=float).reshape(6, 2)
    cols = {"cluster": [0, 0, -1, 1, 1, 1], "cluster_name": ["a", "a", "noise", "b", "b", "b"],
            "knn_recall": [1.0, 0.5, 0.25, 0.0, 1.0, 0.75]}  # fmt: skip
    return ds, coords, cols


def test_parquet_selection_with_clusters_reads_back_equal(images, tmp_path):
    ds, coords, cols = images
    sel = np.array([1, 3, 4])
    out = tmp_path / "sel.parquet"
    assert write_table(ds, coords, str(out), columns=cols, indices=sel) == 3
    t = pq.read_table(out).to_pydict()
    assert list(t) == [
        "path",
        "label",
        "x",
        "y",
        "cluster",
        "cluster_name",
        "knn_recall",
        "embedding",
        "error",
    ]
    assert t["path"] == [ds.items[i] for i in sel]
    assert t["cluster"] == [0, 1, 1] and t["cluster_name"] == ["a", "b", "b"]
    assert np.allclose(t["x"], coords[sel, 0]) and np.allclose(t["knn_recall"], [0.5, 0.0, 1.0])
    assert np.array_equal(np.array(t["embedding"], np.float32), ds.embeddings[sel])
    # everything: failures come last with empty cluster columns
    write_table(ds, coords, str(out), columns=cols)
    t = pq.read_table(out).to_pydict()
    assert len(t["path"]) == 7 and t["cluster"][-1] is None and t["error"][-1] == "not an image"


def test_csv_with_optional_embedding_reads_back_equal(images, tmp_path):
    ds, coords, cols = images
    out = tmp_path / "sel.csv"
    write_table(ds, coords, str(out), columns=cols, indices=[0, 5], csv_embedding=True)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["cluster_name"] for r in rows] == ["a", "b"]
    got = np.array([[float(v) for v in r["embedding"].split()] for r in rows], np.float32)
    assert np.allclose(got, ds.embeddings[[0, 5]], rtol=1e-6)
    write_table(ds, coords, str(out))  # the CLI's plain table is unchanged
    assert out.read_text(encoding="utf-8").splitlines()[0] == "path,label,x,y,error"


def test_tensorboard_projector_files(images, tmp_path):
    ds, _coords, cols = images
    vec, meta = write_projector(ds, str(tmp_path / "tb"), cols, [2, 3])
    vectors = np.loadtxt(vec, delimiter="\t", dtype=np.float32)
    assert np.allclose(vectors, ds.embeddings[[2, 3]], rtol=1e-6)
    lines = open(meta, encoding="utf-8").read().splitlines()
    assert lines[0].split("\t") == ["name", "label", "cluster", "cluster_name", "knn_recall"]
    assert lines[1].split("\t")[:4] == ["img2.png", "red", "-1", "noise"] and len(lines) == 3
    assert "vectors.tsv" in (tmp_path / "tb" / "projector_config.pbtxt").read_text()


@pytest.mark.parametrize("mode", ["copy", "link"])
def test_folders_per_cluster_never_move_or_overwrite(images, tmp_path, mode):
    ds, _coords, _ = images
    before = {p: open(p, "rb").read() for p in ds.items}
    dest = tmp_path / f"out-{mode}"
    sets = {"a/b: cats": np.array([0, 3]), "all red": np.array([0, 1, 2])}
    written = drive(export_folders(ds, sets, str(dest), mode))
    assert written == {"a_b_ cats": 2, "all red": 3}
    # both sources are named img0.png: the second gets a suffix instead of overwriting the first
    assert sorted(os.listdir(dest / "a_b_ cats")) == ["img0.png", "img0_2.png"]
    assert all(os.path.exists(p) and open(p, "rb").read() == b for p, b in before.items())
    if mode == "link":
        assert os.path.islink(dest / "all red" / "img1.png")
    again = drive(export_folders(ds, {"all red": np.array([0])}, str(dest), mode))
    assert again == {"all red": 1} and len(os.listdir(dest / "all red")) == 4
