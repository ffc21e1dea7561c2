"""Adding images to an existing map: `latentview embed FOLDER --update MAP.parquet` with the real
encoder and UMAP on a 500-image folder; old points stay put, new ones land by their own kind."""

import shutil

import numpy as np
import pyarrow.parquet as pq

from latentview.backends.sample_sets import write_set
from latentview.cli import embed


def _add_twenty(folder, tmp_path):
    extra = write_set("everyday", tmp_path / "extra", 2, seed=99)
    added = []
    for src in sorted(extra.rglob("*.jpg")):
        dest = folder / src.parent.name / f"new_{src.name}"
        shutil.copy(src, dest)
        added.append(str(dest))
    return added


def test_update_adds_twenty_images_without_moving_the_old_500(tmp_path, capsys):
    folder = write_set("everyday", tmp_path / "photos", 50)
    out = tmp_path / "map.parquet"
    assert embed.main([str(folder), "-o", str(out)]) == 0
    before = pq.read_table(out, columns=["path", "label", "x", "y"]).to_pydict()
    assert len(before["path"]) == 500
    added = _add_twenty(folder, tmp_path)
    assert len(added) == 20
    assert embed.main([str(folder), "--update", str(out)]) == 0
    assert "20 new points placed, 500 kept" in capsys.readouterr().out
    after = pq.read_table(out, columns=["path", "label", "x", "y", "new"]).to_pydict()
    is_new = np.asarray(after["new"])
    assert len(is_new) == 520 and is_new.sum() == 20
    xy_after = {p: (x, y) for p, x, y in zip(after["path"], after["x"], after["y"])}
    xy_old = np.column_stack([before["x"], before["y"]])
    assert np.array_equal([xy_after[p] for p in before["path"]], xy_old)  # not moved at all
    lab_old = np.asarray(before["label"])
    nearer = []
    for i in np.flatnonzero(is_new):
        d = np.linalg.norm(xy_old - [after["x"][i], after["y"][i]], axis=1)
        nearer.append(d[lab_old == after["label"][i]].mean() < d[lab_old != after["label"][i]].mean())
    assert all(nearer), f"{sum(nearer)}/20 new images nearer their own folder"
