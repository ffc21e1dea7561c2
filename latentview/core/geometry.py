"""Point-in-polygon and picking on 2-D map coordinates, in plain numpy so tests need no mouse."""

from __future__ import annotations

import numpy as np


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule; a bounding-box prefilter keeps the edge loop on candidate points only."""
    xy = np.asarray(xy, dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64)
    mask = np.zeros(len(xy), dtype=bool)
    if len(poly) < 3 or len(xy) == 0:
        return mask
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero(
        (xy[:, 0] >= lo[0]) & (xy[:, 0] <= hi[0]) & (xy[:, 1] >= lo[1]) & (xy[:, 1] <= hi[1])
    )
    if cand.size == 0:
        return mask
    x, y = xy[cand, 0], xy[cand, 1]
    inside = np.zeros(cand.size, dtype=bool)
    x0, y0 = poly[:, 0], poly[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        if ay == by:
            continue
        crosses = (ay > y) != (by > y)
        xint = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < xint)
    mask[cand] = inside
    return mask


def nearest_point(xy: np.ndarray, target: tuple[float, float], max_dist: float) -> int | None:
    """Index of the point nearest `target` within `max_dist` (same units as xy), or None."""
    if len(xy) == 0:
        return None
    d2 = (xy[:, 0] - target[0]) ** 2 + (xy[:, 1] - target[1]) ** 2
    i = int(np.argmin(d2))
    return i if d2[i] <= max_dist**2 else None
