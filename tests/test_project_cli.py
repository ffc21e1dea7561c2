"""`latentview project`: every format in, the same table out with x, y (and clusters, trust) added;
every bad table exits non-zero with one sentence."""

import os
import subprocess
import sys

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from latentview.cli.project import main
from tests.services.test_tables import _bad_cases
from tests.table_files import N, write_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("project"))


def _read(path):
    return pq.read_table(path) if str(path).endswith(".parquet") else pacsv.read_csv(path)


@pytest.mark.parametrize(
    "fmt", ["parquet", "parquet_list", "shards", "feather", "csv", "npy", "npz", "projector"]
)
def test_project_every_format_keeps_every_column_and_adds_xy(files, fmt, tmp_path, capsys):
    out = tmp_path / ("out.csv" if fmt in ("npy", "csv") else "out.parquet")
    assert main([files[fmt], "-o", str(out), "--projection", "pca"]) == 0
    table = _read(out)
    assert table.num_rows == N
    assert {"x", "y", "label"} <= set(table.column_names)
    xy = np.c_[table.column("x").to_numpy(), table.column("y").to_numpy()]
    assert np.isfinite(xy).all() and xy.std(axis=0).min() > 0
    if fmt in ("parquet", "feather", "csv"):
        assert {"name", "score"} <= set(table.column_names)  # input columns kept
    assert f"mapped {N}" in capsys.readouterr().out


def test_project_with_clusters_trust_and_skipped_rows(tmp_path, capsys):
    from tests.table_files import space

    x, labels, _ = space()
    x[7, 2] = np.nan
    np.save(tmp_path / "v.npy", x)
    (tmp_path / "v.tsv").write_text("".join(f"{v}\n" for v in labels))
    out = tmp_path / "out.parquet"
    code = main([str(tmp_path / "v.npy"), "-o", str(out), "--projection", "pca", "--clusters", "--k-means", "3",
                 "--trust"])  # fmt: skip
    assert code == 0
    t = pq.read_table(out).to_pydict()
    assert len(t["x"]) == N and t["x"][7] is None and t["cluster"][7] is None
    assert len(t["embedding"]) == N and len(t["embedding"][0]) == 12  # the .npy vectors are kept as a column
    ok = [i for i in range(N) if i != 7]
    purity = [len({t["label"][i] for i in ok if t["cluster"][i] == c}) for c in {t["cluster"][i] for i in ok}]
    assert max(purity) == 1  # three well-separated blobs: one label per cluster
    assert all(0 <= t["knn_recall"][i] <= 1 for i in ok)
    assert "skipped 1" in capsys.readouterr().out


def test_project_options_choose_columns(files, tmp_path):
    out = tmp_path / "o.parquet"
    assert (
        main([files["csv"], "-o", str(out), "--projection", "pca", "--vectors", "emb_", "--label", "name"])
        == 0
    )
    assert main([files["npy"], "-o", str(out), "--projection", "pca", "--metadata",
                 os.path.join(os.path.dirname(files["projector"]), "metadata.tsv")]) == 0  # fmt: skip


def test_project_bad_tables_exit_non_zero_with_one_sentence(tmp_path, capsys):
    for name, (where, what) in _bad_cases(tmp_path).items():
        code = main([str(tmp_path / name), "-o", str(tmp_path / "out.parquet"), "--projection", "pca"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1, name
        assert err[-1].startswith("latentview project: ") and where in err[-1] and what in err[-1], err
        assert not any("Traceback" in line for line in err)
    assert not (tmp_path / "out.parquet").exists()
    code = main([str(tmp_path / "good.parquet"), "-o", str(tmp_path / "o.parquet"), "--projection", "pca",
                 "--vectors", "nope"])  # fmt: skip
    assert code == 1 and "no column 'nope'" in capsys.readouterr().err


def test_real_entry_point_project(files, tmp_path):
    out = tmp_path / "out.csv"
    res = subprocess.run([sys.executable, "-m", "latentview", "project", files["parquet"], "-o", str(out),
                          "--projection", "pca"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert _read(out).num_rows == N
    res = subprocess.run([sys.executable, "-m", "latentview", "project", str(tmp_path / "missing.parquet"), "-o",
                          str(out)], capture_output=True, text=True, timeout=300)  # fmt: skip
    last = res.stderr.strip().splitlines()[-1]
    assert (
        res.returncode == 1
        and last.startswith("latentview project: Table not found")
        and "Traceback" not in res.stderr
    )


def test_window_screenshot_of_a_table_from_the_command_line(files, tmp_path):
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    res = subprocess.run([sys.executable, "-m", "latentview", files["npy"], "--metadata",
                          os.path.join(os.path.dirname(files["projector"]), "metadata.tsv"), "--projection", "pca",
                          "--screenshot", str(shot)], capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert shot.stat().st_size > 10_000
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    res = subprocess.run([sys.executable, "-m", "latentview", str(bad), "--screenshot", str(shot)],
                         capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert res.returncode == 1 and "bad.parquet cannot be read" in res.stderr
