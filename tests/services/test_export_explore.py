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
    written = drive(export_folders(ds, sets, str(dest), mode)).written
    assert written == {"a_b_ cats": 2, "all red": 3}
    # both sources are named img0.png: the second gets a suffix instead of overwriting the first
    assert sorted(os.listdir(dest / "a_b_ cats")) == ["img0.png", "img0_2.png"]
    assert all(os.path.exists(p) and open(p, "rb").read() == b for p, b in before.items())
    if mode == "link":
        assert os.path.islink(dest / "all red" / "img1.png")
    again = drive(export_folders(ds, {"all red": np.array([0])}, str(dest), mode)).written
    assert again == {"all red": 1} and len(os.listdir(dest / "all red")) == 4


def test_parquet_embedding_is_a_fixed_size_float32_column_from_the_buffer(images, tmp_path):
    import pyarrow as pa

    from latentview.services.export import Membership

    ds, coords, cols = images
    ds.embeddings = ds.embeddings.astype(np.float16)  # a big set is stored half precision
    member = np.zeros((6, 2), bool)
    member[[0, 1], 0] = member[[1, 5], 1] = True
    cols = {**cols, "groups": Membership(["a;b", "two"], member)}
    out = tmp_path / "all.parquet"
    assert write_table(ds, coords, str(out), columns=cols) == 7
    table = pq.read_table(out)
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), 5)
    t = table.to_pydict()
    assert np.array_equal(np.array(t["embedding"][:6], np.float32), ds.embeddings.astype(np.float32))
    assert t["embedding"][6] is None and t["error"][6] == "not an image"
    assert t["groups"][:6] == [["a;b"], ["a;b", "two"], [], [], [], ["two"]]  # names survive as a list


def test_csv_in_blocks_equals_one_pass(images, tmp_path, monkeypatch):
    from latentview.services import export

    ds, coords, cols = images
    write_table(ds, coords, str(tmp_path / "one.csv"), columns=cols, csv_embedding=True)
    monkeypatch.setattr(export, "TEXT_BLOCK", 2)  # three blocks plus the failures
    write_table(ds, coords, str(tmp_path / "blocks.csv"), columns=cols, csv_embedding=True)
    one = (tmp_path / "one.csv").read_text(encoding="utf-8")
    assert one == (tmp_path / "blocks.csv").read_text(encoding="utf-8") and one.count("\n") == 8


def test_folder_names_never_merge_and_stay_short():
    from latentview.services.export import safe_name, unique_folder_names

    names = unique_folder_names(["a/b", "a_b", "A_B", "x" * 300, "é" * 200, ".."])
    assert len(set(n.casefold() for n in names.values())) == 6
    assert names["a/b"] == "a_b" and names["a_b"] == "a_b (2)" and names["A_B"] == "A_B (3)"
    assert all(len(n.encode()) <= 110 for n in names.values())
    assert safe_name("é" * 200).encode().decode() == "é" * 50
    assert names[".."] == "unnamed"


def test_folder_export_skips_missing_and_overlong_files_and_goes_on(images, tmp_path):
    ds, _coords, _cols = images
    long_name = str(tmp_path / ("n" * 260 + ".png"))  # a name no file system here can hold
    items = [*ds.items, ds.items[0] + ".gone", long_name]
    ds2 = Dataset("images", items, [*ds.labels, "red", "red"],
                  np.zeros((len(items), 2), np.float32), source=ds.source)  # fmt: skip
    os.remove(ds.items[4])  # vanished after the map was made
    logs = []
    report = drive(export_folders(ds2, {"a/b": np.array([0, 6, 1]), "a_b": np.array([3, 4, 7, 5])},
                                  str(tmp_path / "out")), on_log=logs.append)  # fmt: skip
    assert report.written == {"a_b": 2, "a_b (2)": 2}
    assert sorted(os.listdir(tmp_path / "out")) == ["a_b", "a_b (2)"]
    assert [reason for _p, reason in report.skipped] == [
        "file not found", "file not found", "file name longer than 255 bytes"]  # fmt: skip
    assert len(logs) == 3 and all("Not exported" in e.message for e in logs)
