"""Clusters that cover real-looking collections: varied folders from backends/sample_sets, the real
default encoder, floors on coverage and purity against the folder labels (figures in the README)."""

import numpy as np
import pytest

from latentview.backends.sample_sets import write_set
from latentview.core.clusters import level_for_zoom, zoom_names
from latentview.services.clusters import cluster_dataset
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive


def coverage_purity(labels, truth):
    labels, truth = np.asarray(labels), np.asarray(truth)
    kept = labels >= 0
    hits = sum(np.unique(truth[labels == c], return_counts=True)[1].max() for c in np.unique(labels[kept]))
    return float(kept.mean()), hits / max(1, int(kept.sum()))


@pytest.mark.parametrize("name, per, floor_cov, floor_pur", [("everyday", 15, 0.85, 0.85),
                                                             ("figures", 20, 0.85, 0.8)])  # fmt: skip
def test_default_clusters_cover_a_varied_folder_and_stay_pure(tmp_path, name, per, floor_cov, floor_pur):
    folder = write_set(name, tmp_path / name, per)
    ds = drive(ingest_folder(str(folder), IngestOptions()))
    assert len(ds) == per * len(set(ds.labels))
    c = drive(cluster_dataset(ds))
    cov, pur = coverage_purity(c.labels, ds.labels)
    assert cov >= floor_cov and pur >= floor_pur, (cov, pur, len(c))
    assert c.params["space"] == "umap"
    # names that deepen with zoom: the coarsest cut zoomed out, every cluster zoomed far in
    assert len(c) < 6 or (c.levels and len(c.levels[0].names) < len(c))
    coords = np.random.default_rng(0).normal(size=(len(ds), 2))
    out = zoom_names(c, coords, 1.0)
    # (a group whose clusters lie apart on the map is named by its finer groups: core.clusters.zoom_names)
    known = set(c.names).union(*(lv.names for lv in c.levels))
    assert [m.text for m in out] and {m.text for m in out} <= known
    assert sum(m.priority for m in out) == int((c.labels >= 0).sum())  # every clustered point named once
    assert level_for_zoom(c, 100.0) == len(c.levels)
    assert {m.text for m in zoom_names(c, coords, 100.0)} == set(c.names)
