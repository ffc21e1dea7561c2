"""latentview's own exports open back to the same map: same points, labels and layout."""

import numpy as np
import pytest

from latentview.backends.projectors import pca
from latentview.core.dataset import Dataset
from latentview.services import export
from latentview.services.runner import drive
from latentview.services.tables import TableSpec, open_table
from tests.table_files import space, write_all


def _open(path):
    return drive(open_table(TableSpec(str(path))))


@pytest.fixture
def table_map(tmp_path):
    ds = _open(write_all(tmp_path)["parquet"])
    return ds, pca(ds.embeddings).astype(np.float64)


@pytest.mark.parametrize("ext", [".parquet", ".csv"])
def test_export_then_open_gives_the_same_map(table_map, tmp_path, ext):
    ds, coords = table_map
    out = tmp_path / f"map{ext}"
    cols = {"cluster": (np.arange(len(ds)) % 2).tolist()}
    export.write_table(ds, coords, str(out), columns=cols, csv_embedding=True)
    back = _open(out)
    assert back.items == ds.items and back.labels == ds.labels
    np.testing.assert_allclose(back.meta["table"]["xy"], coords, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(back.embeddings, ds.embeddings, rtol=1e-6, atol=1e-6)
    assert "cluster" in back.meta  # extra columns come back as metadata to colour by


def test_projector_export_opens_back(table_map, tmp_path):
    ds, _ = table_map
    export.write_projector(ds, str(tmp_path / "proj"))
    back = _open(tmp_path / "proj")  # the folder: vectors.tsv + metadata.tsv
    assert back.items == ds.items and back.labels == ds.labels
    np.testing.assert_allclose(back.embeddings, ds.embeddings, rtol=1e-6, atol=1e-6)


def test_image_map_export_opens_as_an_image_map(tmp_path):
    from PIL import Image

    x, labels, _ = space(n=12)
    paths = []
    for i, lab in enumerate(labels):
        (tmp_path / lab).mkdir(exist_ok=True)
        p = tmp_path / lab / f"{i}.png"
        Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(p)
        paths.append(str(p))
    ds = Dataset("images", paths, labels, x, source=str(tmp_path), model="tiny-test")
    coords = pca(x).astype(np.float64)
    export.write_table(ds, coords, str(tmp_path / "map.parquet"))
    back = _open(tmp_path / "map.parquet")
    assert back.kind == "images" and back.items == paths and back.labels == labels
    np.testing.assert_allclose(back.meta["table"]["xy"], coords)
