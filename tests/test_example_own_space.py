"""examples/own_space.py, run as a new user would: train a tiny model, export, open the table."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from latentview.services.runner import drive
from latentview.services.tables import TableSpec, open_table

ROOT = Path(__file__).resolve().parents[1]


def test_own_space_example_exports_a_table_that_opens_as_a_meaningful_map(tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "own_space.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)  # fmt: skip
    assert res.returncode == 0, res.stderr
    ds = drive(open_table(TableSpec(str(tmp_path / "digits.parquet"))))
    assert ds.kind == "images" and len(ds) == 1797 and ds.embeddings.shape[1] == 32
    assert Path(ds.items[0]).is_file()  # the picture column resolved next to the table
    assert set(ds.meta) >= {"predicted", "confidence"}
    from latentview.core.neighbors import NeighbourSearch

    search = NeighbourSearch(ds.embeddings)
    labels = np.asarray(ds.labels)
    agree = np.mean([np.mean(labels[search.query(i, 5)[0]] == labels[i]) for i in range(0, 1797, 9)])
    assert agree > 0.85  # the model's hidden layer groups digits by kind
