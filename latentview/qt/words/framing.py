"""Where the Words dock zooms the map: pure functions from coordinates to (x range, y range).

Extents are the 1st–99th percentile box of the map, so a few far outliers don't set the scale.
"""

from __future__ import annotations

import numpy as np

from latentview.core.geometry import bounds

SEARCH_ZOOM = 1 / 7  # a search zooms to this fraction of the map's extent (if wider)


def _extent(xy: np.ndarray) -> np.ndarray:
    lo, hi = np.nanpercentile(xy, [1, 99], axis=0)
    return np.maximum(hi - lo, 1e-9)


def _ranges(centre, half) -> tuple[tuple[float, float], tuple[float, float]]:
    return (centre[0] - half[0], centre[0] + half[0]), (centre[1] - half[1], centre[1] + half[1])


def on_row(xy: np.ndarray, row: int, view) -> tuple:
    """Centred on `row`, no wider than SEARCH_ZOOM of the map (nor than the current view)."""
    span = _extent(xy) * SEARCH_ZOOM
    (x0, x1), (y0, y1) = view
    return _ranges(xy[row], (min(x1 - x0, span[0]) / 2, min(y1 - y0, span[1]) / 2))


def around(xy: np.ndarray, row: int, others: list[int]) -> tuple:
    """Centred on `row` with its closest neighbours in view too, between 1/60 and 1/6 of the map."""
    ext = _extent(xy)
    reach = float(np.max(np.abs(xy[others] - xy[row]) / ext)) * 1.4 if others else SEARCH_ZOOM / 2
    return _ranges(xy[row], ext * min(max(reach, 1 / 60), 1 / 6))


def box(xy: np.ndarray, rows: list[int]) -> tuple:
    """`rows` (an analogy's words) padded, at the same relative zoom on both axes so arrows keep the
    angles they have on the whole map."""
    ext = _extent(xy)
    lo, hi = bounds(xy[rows])
    rel = max(float(np.max((hi - lo) / ext)), 1 / 40)
    return _ranges((lo + hi) / 2, ext * rel * 0.5 * 1.5)
