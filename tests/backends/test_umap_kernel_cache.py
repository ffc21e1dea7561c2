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


def _long_compile() -> None:  # stands in for the first launch's ~40-60 s compile, in the child
    import time

    time.sleep(600)


def test_a_first_launch_compiles_in_another_process_that_a_cancel_ends(monkeypatch, tmp_path):
    from latentview.services.projection import wait_for_warm_up, warm_up

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))  # nothing compiled yet
    assert not projectors.umap_is_compiled()
    task = warm_up(poll=0.05, target=_long_compile)
    assert "compiling once" in next(task).message
    proc = projectors._warm_proc
    assert proc.is_alive() and proc.pid != os.getpid() and projectors.warm_up_running()
    waiting = wait_for_warm_up(poll=0.01)  # the layout waits rather than compiling beside it
    assert "compiling" in next(waiting).message
    task.close()  # the runner's cancel (a window closed)
    proc.join(10)
    assert not proc.is_alive() and not projectors.warm_up_running()
    assert list(waiting) == []


def test_nothing_to_warm_up_once_compiled():
    from latentview.services.projection import warm_up

    projectors.umap(np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32))
    assert projectors.umap_is_compiled()
    assert list(warm_up()) == []
