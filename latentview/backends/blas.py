"""One BLAS thread for small matrices. OpenBLAS's worker threads spin-wait between calls; on small
problems they give nothing, and on a busy machine (other processes on the cores, numba's own threads)
they cost a lot: a PCA of 264 × 1280 embeddings took 3–20 s with 2 threads against 0.15 s with one,
and the 2-D UMAP of those rows 5.5 s against 0.7 s (benchmarks/first_open.py)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

SMALL_VALUES = 4_000_000  # N·D up to here (≈3,000 × 1,280 features) runs on one BLAS thread

_lock = threading.Lock()
_depth = 0
_limiter = None


@contextmanager
def few_threads(n_values: int):
    """Within this block BLAS uses one thread when the data has at most SMALL_VALUES numbers. The limit
    is process-wide, so nested and concurrent blocks share it: the first sets it, the last restores."""
    global _depth, _limiter
    if n_values > SMALL_VALUES:
        yield
        return
    with _lock:
        if _depth == 0:
            try:
                from threadpoolctl import threadpool_limits

                _limiter = threadpool_limits(1, user_api="blas")
            except Exception:  # no threadpoolctl, an unknown BLAS: run as before
                _limiter = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
