"""Where names go on the map: greedy, collision-avoiding placement inside the view (screen pixels).

The choice the better map tools make (e.g. the label layers of Mapbox/QGIS, ggrepel's first pass):
labels are placed in priority order, each at the first of a few candidate spots around its anchor
that stays inside the view and overlaps neither an earlier label nor an obstacle (the legend); a
label that fits nowhere is hidden rather than drawn over another. Among the free spots it takes the
one covering the fewest points, so names don't hide the clusters they describe (or their
neighbours). Names are shortened before this (full text on hover), so a long name can't push itself
off the edge. numpy only; the Qt side measures text and turns pixels back into data coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 (y grows downwards, screen pixels)

# Candidate box positions relative to the anchor, as (dx, dy) multiples of (width, height) for the
# box's top-left corner, plus a gap: above-centre first (the anchor's points stay visible).
_CANDIDATES = [(-0.5, -1.0), (-0.5, 0.0), (0.0, -0.5), (-1.0, -0.5), (0.0, -1.0), (-1.0, -1.0),
               (0.0, 0.0), (-1.0, 0.0), (-0.5, -2.0), (-0.5, 1.0), (0.5, -0.5), (-1.5, -0.5)]  # fmt: skip
GAP_PX = 6.0
PX_PER_POINT = 20.0  # a name may move this much further from its cluster to uncover one more point


def _overlaps(a: Rect, b: Rect, pad: float) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _inside(r: Rect, view: Rect) -> bool:
    return r[0] >= view[0] and r[1] >= view[1] and r[2] <= view[2] and r[3] <= view[3]


def place_labels(
    labels: Sequence[tuple[tuple[float, float], str, float]],
    measure: Callable[[str], tuple[float, float]],
    view: Rect,
    obstacles: Sequence[Rect] = (),
    pad: float = 2.0,
    points: np.ndarray | None = None,
) -> list[Rect | None]:
    """Boxes for `labels` = [(anchor (x, y) px, text, priority)], in the input order; None = hidden.

    Highest priority first. Anchors outside the view are hidden (their cluster is off screen). A box
    is nudged inside the view when its anchor is near an edge, never drawn past it. `points` (M, 2)
    px: the map's points; each box takes the free spot that covers fewest of them.
    """
    pts = np.zeros((0, 2)) if points is None else np.asarray(points, dtype=float).reshape(-1, 2)
    order = sorted(range(len(labels)), key=lambda i: -labels[i][2])
    placed: list[Rect] = []
    out: list[Rect | None] = [None] * len(labels)
    blocked = list(obstacles)
    for i in order:
        (ax, ay), text, _prio = labels[i]
        if not (view[0] <= ax <= view[2] and view[1] <= ay <= view[3]):
            continue
        w, h = measure(text)
        if w > view[2] - view[0] or h > view[3] - view[1]:
            continue
        best, best_cost = None, None
        for fx, fy in _CANDIDATES:
            x0 = ax + fx * w + (GAP_PX if fx >= 0 else -GAP_PX if fx <= -1 else 0)
            y0 = ay + fy * h + (GAP_PX if fy >= 0 else -GAP_PX if fy <= -1 else 0)
            x0 = min(max(x0, view[0]), view[2] - w)  # nudge inside the view
            y0 = min(max(y0, view[1]), view[3] - h)
            box = (x0, y0, x0 + w, y0 + h)
            if any(_overlaps(box, b, pad) for b in placed) or any(_overlaps(box, b, 0) for b in blocked):
                continue
            hidden = _covered(pts, box)
            cost = hidden + _gap(box, ax, ay) / PX_PER_POINT
            if best_cost is None or cost < best_cost:
                best, best_cost = box, cost
                if hidden == 0:
                    break  # the first free spot that hides nothing (candidates are in preference order)
        if best is not None:
            placed.append(best)
            out[i] = best
    return out


def _gap(box: Rect, x: float, y: float) -> float:
    return float(np.hypot(max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3])))


def _covered(pts: np.ndarray, box: Rect) -> int:
    if not len(pts):
        return 0
    x, y = pts[:, 0], pts[:, 1]
    return int(
        np.count_nonzero((x >= box[0] - 3) & (x <= box[2] + 3) & (y >= box[1] - 3) & (y <= box[3] + 3))
    )


def shorten(text: str, max_chars: int = 24) -> str:
    """A name cut at a word boundary with an ellipsis (the full name goes in the tooltip)."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = max(cut.rfind(" "), cut.rfind(","))
    if space >= max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ·,") + "…"


def assert_inside(boxes: Sequence[Rect | None], view: Rect) -> bool:
    """True when every placed box lies inside the view (used by tests and the scripted walk)."""
    return all(b is None or _inside(b, view) for b in boxes)
