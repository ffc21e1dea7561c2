"""backends.blas.few_threads: one BLAS thread for small data, the process's own setting back after,
also when blocks overlap (the limit is process-wide)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from latentview.backends.blas import SMALL_VALUES, few_threads
from latentview.backends.projectors import pca


def _blas_threads() -> set[int]:
    return {d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"}


def test_small_data_runs_on_one_blas_thread_and_the_setting_comes_back():
    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS loaded
    before = _blas_threads()
    with few_threads(1_000):
        assert _blas_threads() == {1}
        with few_threads(10):  # nested (pca inside umap): still one, not restored early
            pass
        assert _blas_threads() == {1}
    assert _blas_threads() == before
    with few_threads(SMALL_VALUES + 1):
        assert _blas_threads() == before


def test_pca_gives_the_same_components_on_one_thread():
    x = np.random.default_rng(1).normal(size=(300, 200)).astype(np.float32)
    a = pca(x, 5)  # small: one thread
    from latentview.backends.projectors import _pca

    b = _pca(x, 5, False)  # the process's own thread count
    assert np.allclose(np.abs(a), np.abs(b), atol=1e-3)
