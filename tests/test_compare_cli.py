"""`latentview compare`: tables in every format, folder specs, the layers sweep, and its failures."""

import csv
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from latentview.cli.compare import main
from tests.table_files import write_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("tables"))


def _figure(out: str, name: str) -> float:
    return float(re.search(rf"{name} ([\d.]+)", out).group(1))


@pytest.mark.parametrize("other", ["csv", "npy", "npz", "feather", "shards", "projector", "parquet_list"])
def test_the_same_space_in_two_formats_agrees_fully(files, other, tmp_path, capsys):
    out = tmp_path / "per_point.csv"
    assert main([files["parquet"], files[other], "-k", "5", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "matched 90 items; only in A 0, only in B 0" in text
    assert _figure(text, "overlap") == pytest.approx(1.0)
    assert _figure(text, "CKA") == pytest.approx(1.0, abs=1e-3)
    assert "5-NN label accuracy: A 1.000, B 1.000" in text
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert len(rows) == 90 and {float(r["overlap"]) for r in rows} == {1.0}
    assert rows[0]["label"] == "apple"


def test_a_rotated_table_and_a_partial_one_are_matched_by_id(files, tmp_path, capsys):
    x = np.load(files["npy"])
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(x.shape[1],) * 2))
    names = open(os.path.join(os.path.dirname(files["npy"]), "vectors_np.tsv")).read().splitlines()[1:]
    keep = np.arange(30, 90)[::-1]  # 60 of the 90 items, in another order
    np.save(tmp_path / "rot.npy", (x @ q)[keep].astype(np.float32))
    (tmp_path / "rot.tsv").write_text("name\tlabel\n" + "".join(names[i] + "\n" for i in keep))
    assert main([files["parquet"], str(tmp_path / "rot.npy")]) == 0
    text = capsys.readouterr().out
    assert "matched 60 items; only in A 30, only in B 0" in text
    assert _figure(text, "overlap") == pytest.approx(1.0) and _figure(text, "CKA") == pytest.approx(
        1.0, abs=1e-3
    )


def test_folder_specs_against_an_exported_table(photo_folder, tmp_path, capsys):
    from latentview.cli.embed import main as embed

    table = tmp_path / "stage3.parquet"
    assert embed([str(photo_folder), "-o", str(table), "--layer", "stage3", "--projection", "pca"]) == 0
    capsys.readouterr()
    # the exported table (paths) against the same folder embedded again at the same layer: identical
    assert main([str(table), f"{photo_folder}@efficientnet-lite0#stage3", "-o", str(tmp_path / "p.csv")]) == 0
    text = capsys.readouterr().out
    assert "matched 88 items" in text and _figure(text, "overlap") == pytest.approx(1.0)
    # raw pixels against the last layer: less agreement, and the network separates the labels better
    assert main([f"{photo_folder}#raw-pixels", str(photo_folder), "-k", "5"]) == 0
    text = capsys.readouterr().out
    assert _figure(text, "overlap") < 0.6
    acc = re.search(r"accuracy: A ([\d.]+), B ([\d.]+)", text)
    assert float(acc.group(1)) < float(acc.group(2))


def test_layers_sweep_prints_and_writes_the_table(photo_folder, tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert main(["--layers", str(photo_folder), "-k", "5", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^raw-pixels\s+3072\s+[\d.]+", text, re.M) and re.search(
        r"^last\s+1280\s+[\d.]+\s+1.000", text, re.M
    )
    rows = list(csv.DictReader(open(out)))
    assert [r["layer"] for r in rows][0::8] == ["raw-pixels", "last"] and len(rows) == 9
    assert float(rows[0]["knn_accuracy"]) < float(rows[-1]["knn_accuracy"])


def test_failures_are_one_sentence_and_non_zero(files, photo_folder, tmp_path, capsys):
    cases = [
        ([files["parquet"], str(tmp_path / "missing.parquet")], "Not found"),
        ([files["parquet"], f"{photo_folder}@efficientnet-lite0#stage9"], "has no layer 'stage9'"),
        ([files["parquet"], f"{photo_folder}@no-such-model"], "Unknown model"),
        ([files["parquet"], str(photo_folder)], "share 0 item"),
        ([str(tmp_path / "nofolder") + "#stage2", files["parquet"]], "Folder not found"),
    ]
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    cases.append(([files["parquet"], str(bad)], "bad.parquet"))
    for argv, words in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith("latentview compare: ") and words in err and "Traceback" not in err
    for argv in ([files["parquet"]], ["--layers", str(photo_folder), files["csv"]],
                 [files["parquet"], files["csv"], "-o", str(tmp_path / "x.txt")]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2


def test_real_entry_point(files, tmp_path):
    res = subprocess.run([sys.executable, "-m", "latentview", "compare", files["csv"], files["npz"]],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0 and "linear CKA 1.000" in res.stdout, res.stderr
    res = subprocess.run([sys.executable, "-m", "latentview", "compare", files["csv"], str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 1 and "Traceback" not in res.stderr and "Not found" in res.stderr
