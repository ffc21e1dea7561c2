"""Full-space neighbours of a clicked point, as a generator for the task runner.

The search backend is chosen by the composition root (app.py passes `backends.knn.best_search`),
so the Qt layer never picks one itself.
"""

from __future__ import annotations

import numpy as np

from latentview.core.progress import Progress


def default_search_factory():
    """The k-NN search the app uses unless told otherwise (exact up to a size, then IVF)."""
    from latentview.backends.knn import best_search

    return best_search


def approximate_note(search) -> str:
    """What the neighbours' title adds when they come from an index that can miss some ('' when exact):
    the share of true neighbours it found on held-out rows when it was built (`recall_estimate`)."""
    estimate = getattr(search, "recall_estimate", None)
    if estimate is None or estimate >= 0.995:
        return ""
    return f" — approximate: about {estimate:.0%} are the true nearest"


def neighbours_task(embeddings: np.ndarray, search, wanted, k: int, search_factory=None):
    """(search, index, neighbours) for the newest clicked point `wanted()`; builds the full-space
    index with `search_factory` first when there is none."""
    if search is None:
        yield Progress(0, 2, f"Indexing {len(embeddings):,} points for neighbour search")
        search = (search_factory or default_search_factory())(embeddings)
        yield Progress(1, 2, "Finding neighbours")
    index = wanted()
    return search, index, search.query(index, k)
