"""UMAP's kernels that umap-learn leaves uncached are cached on disk by projectors.import_umap: without
it every launch compiled them again (~30 s before a first map on a busy 2-core machine)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from latentview.backends import projectors


def test_umap_kernels_compile_into_the_numba_cache():
    umap_lib = projectors.import_umap()
    from numba.core.caching import NullCache

    kernels = [umap_lib.umap_.smooth_knn_dist, umap_lib.umap_.compute_membership_strengths,
               umap_lib.utils.fast_knn_indices, umap_lib.layouts._nb_optimize_layout_euclidean_single_epoch]  # fmt: skip
    assert not [k for k in kernels if isinstance(k._cache, NullCache)]
    x = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    out = projectors.umap(x)
    assert out.shape == (40, 2) and np.isfinite(out).all()
    names = {p.name for p in Path(os.environ["NUMBA_CACHE_DIR"]).rglob("*.nbi")}
    for kernel in ("smooth_knn_dist", "fast_knn_indices", "compute_membership_strengths"):
        assert any(kernel in n for n in names), kernel
