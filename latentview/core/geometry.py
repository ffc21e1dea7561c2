"""Point-in-polygon and picking on 2-D map coordinates, in plain numpy so tests need no mouse."""

from __future__ import annotations

import numpy as np

RASTER_MIN_POINTS = 20_000  # below this the exact edge loop is already fast


def bounds(xy: np.ndarray, finite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per axis of (N, 2) map coordinates, column by column: `min(axis=0)` / `np.ptp(axis=0)`
    of an (N, 2) array is ~30× slower in this numpy (~240 ms at 1M points, holding the GIL).
    `finite`: NaN and ±inf are ignored (an axis with no finite value gives NaN). Empty input: zeros."""
    xy = np.asarray(xy)
    if not len(xy):
        return np.zeros(2), np.zeros(2)
    lo, hi = np.empty(2), np.empty(2)
    for k in range(2):
        col = xy[:, k]
        if finite:
            col = col[np.isfinite(col)] if not np.isfinite(col.min() + col.max()) else col
            if not len(col):
                lo[k] = hi[k] = np.nan
                continue
        lo[k], hi[k] = col.min(), col.max()
    return lo, hi


def span(xy: np.ndarray) -> np.ndarray:
    """hi - lo per axis of (N, 2) coordinates (see `bounds`)."""
    lo, hi = bounds(xy)
    return hi - lo


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray, grid: int = 1024) -> np.ndarray:
    """Even-odd rule, exact. Many candidates: the polygon is rasterised on a grid over its bounding box
    and each point reads its cell; only points in cells an edge passes through get the exact test.
    A million points in ~10–20 ms instead of ~0.1–3 s for the edge loop alone."""
    xy = np.asarray(xy, dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64)
    mask = np.zeros(len(xy), dtype=bool)
    if len(poly) < 3 or len(xy) == 0:
        return mask
    lo, hi = bounds(poly)
    cand = np.flatnonzero(
        (xy[:, 0] >= lo[0]) & (xy[:, 0] <= hi[0]) & (xy[:, 1] >= lo[1]) & (xy[:, 1] <= hi[1])
    )
    if cand.size == 0:
        return mask
    if cand.size >= RASTER_MIN_POINTS and np.all(hi > lo):
        mask[cand] = _raster_test(xy[cand], poly, lo, hi, grid)
    else:
        mask[cand] = _edge_test(xy[cand, 0], xy[cand, 1], poly)
    return mask


def _edge_test(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> np.ndarray:
    inside = np.zeros(x.size, dtype=bool)
    x0, y0 = poly[:, 0], poly[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        if ay == by:
            continue
        crosses = (ay > y) != (by > y)
        xint = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < xint)
    return inside


def _raster_test(pts: np.ndarray, poly: np.ndarray, lo, hi, grid: int) -> np.ndarray:
    cell = (hi - lo) / grid
    # Parity of each cell centre: scanline crossings toggled into a grid, then a running sum.
    yc = lo[1] + (np.arange(grid) + 0.5) * cell[1]
    ax, ay = poly[:, 0], poly[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    crosses = (ay[:, None] > yc[None, :]) != (by[:, None] > yc[None, :])  # (edges, rows)
    e, r = np.nonzero(crosses)
    xint = ax[e] + (yc[r] - ay[e]) * (bx[e] - ax[e]) / (by[e] - ay[e])
    col = np.clip(np.ceil((xint - lo[0]) / cell[0] - 0.5), 0, grid).astype(np.int64)
    toggles = np.zeros((grid, grid + 1), np.int32)
    np.add.at(toggles, (r, col), 1)
    inside_cell = (np.cumsum(toggles, axis=1)[:, :grid] & 1).astype(bool)
    # Cells an edge passes through (and their neighbours) are ambiguous: sample each edge densely.
    ambiguous = np.zeros((grid + 2, grid + 2), bool)
    for x0, y0, x1, y1 in zip(ax, ay, bx, by):
        steps = int(max(abs(x1 - x0) / cell[0], abs(y1 - y0) / cell[1]) * 2) + 2
        t = np.linspace(0.0, 1.0, steps)
        ci = np.clip(((y0 + t * (y1 - y0) - lo[1]) / cell[1]).astype(np.int64), 0, grid - 1) + 1
        cj = np.clip(((x0 + t * (x1 - x0) - lo[0]) / cell[0]).astype(np.int64), 0, grid - 1) + 1
        ambiguous[ci, cj] = True
    ambiguous = (
        ambiguous[1:-1, 1:-1] | ambiguous[:-2, 1:-1] | ambiguous[2:, 1:-1]
        | ambiguous[1:-1, :-2] | ambiguous[1:-1, 2:]
        | ambiguous[:-2, :-2] | ambiguous[:-2, 2:] | ambiguous[2:, :-2] | ambiguous[2:, 2:]
    )  # fmt: skip
    pi = np.clip(((pts[:, 1] - lo[1]) / cell[1]).astype(np.int64), 0, grid - 1)
    pj = np.clip(((pts[:, 0] - lo[0]) / cell[0]).astype(np.int64), 0, grid - 1)
    out = inside_cell[pi, pj]
    edge = np.flatnonzero(ambiguous[pi, pj])
    if edge.size:
        out[edge] = _edge_test(pts[edge, 0], pts[edge, 1], poly)
    return out


class PointIndex:
    """A uniform-grid spatial index for picking: a query touches a few cells, not every point.

    Distances may be anisotropic (screen pixels per data unit differ per axis), so queries take a
    per-axis scale; the grid is built once per layout.
    """

    def __init__(self, xy: np.ndarray, cells: int = 512):
        self.xy = np.asarray(xy, dtype=np.float64)
        n = len(self.xy)
        cols = (self.xy[:, 0], self.xy[:, 1])
        self.lo, hi = bounds(self.xy)
        span = (hi - self.lo) if n else np.ones(2)
        self.cells = int(max(1, min(cells, np.sqrt(max(n, 1) / 4))))
        self.size = np.where(span > 0, span / self.cells, 1.0)
        cell_ids = self._column_cell_ids(cols) if n else np.zeros(0, np.int32)
        self.order = np.argsort(cell_ids, kind="stable")
        self.starts = np.searchsorted(cell_ids[self.order], np.arange(self.cells * self.cells + 1))

    def _column_cell_ids(self, cols) -> np.ndarray:
        """The cell of every point, from contiguous-friendly 1-D passes (the build of a 1M-point map)."""
        i, j = (np.clip(((c - lo) / size).astype(np.int32), 0, self.cells - 1) for c, lo, size in
                zip(cols, self.lo, self.size))  # fmt: skip
        return j * np.int32(self.cells) + i

    def _ij(self, xy):
        return np.clip(((xy - self.lo) / self.size).astype(np.int64), 0, self.cells - 1)

    def _cell_ids(self, xy):
        ij = self._ij(xy)
        return ij[:, 1] * self.cells + ij[:, 0]

    def nearest(self, target, radius: tuple[float, float]) -> int | None:
        """Nearest point within an ellipse of per-axis `radius` (data units) around `target`."""
        if not len(self.xy):
            return None
        t = np.asarray(target, dtype=np.float64)
        r = np.asarray(radius, dtype=np.float64)
        (i0, j0), (i1, j1) = self._ij(np.array([t - r]))[0], self._ij(np.array([t + r]))[0]
        cand = [
            self.order[self.starts[row * self.cells + i0] : self.starts[row * self.cells + i1 + 1]]
            for row in range(j0, j1 + 1)
        ]
        cand = np.concatenate(cand) if cand else np.zeros(0, np.int64)
        if not cand.size:
            return None
        d2 = (((self.xy[cand] - t) / r) ** 2).sum(axis=1)
        k = int(np.argmin(d2))
        return int(cand[k]) if d2[k] <= 1.0 else None
