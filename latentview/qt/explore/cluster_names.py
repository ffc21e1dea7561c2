"""Cluster names on the map: the model's guesses, placed so they never clip at the view's edges nor
overlap each other or the legend (`core.label_layout.place_labels`, re-run when the view moves).

Names are secondary to the user's own labels: shortened (full name and confidence on hover), in
italics with the model's confidence, framed in the cluster's colour only while the map is coloured by
cluster and in neutral grey otherwise, so one map never shows two colour codes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer

from latentview.core.geometry import span
from latentview.core.label_layout import place_labels, shorten

MAX_MAP_NAMES = 30
NAME_CHARS = 24
NEUTRAL = (110, 110, 110)
LEADER_PX = 14  # a name further than this from its cluster's centre point gets a line to it
BACKGROUND_ABOVE = 200_000  # points above which name positions are computed on the task runner
SCREEN_SAMPLE = 100_000  # points the names avoid are looked for among about this many


def _centres_steps(clustering, coords):
    """Generator for the runner: every level's name positions (core.clusters.all_centres)."""
    from latentview.core.clusters import all_centres
    from latentview.core.progress import Progress

    yield Progress(0, 1, "Placing cluster names")
    return all_centres(clustering, coords)


class _NameItem(pg.TextItem):
    """A cluster's name on the map; clicking it selects the cluster (the click goes no further)."""

    def __init__(self, text: str, cluster: int, on_click, **kwargs):
        super().__init__(text, anchor=(0, 0), **kwargs)
        self.cluster, self.on_click = cluster, on_click
        self.full_name = text
        self.setCursor(Qt.PointingHandCursor)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.LeftButton and self.on_click is not None:
            ev.accept()
            self.on_click(self.cluster)


def name_label(name: str, confidence: float | None) -> tuple[str, str]:
    """(text on the map, tooltip): a shortened name marked as a guess with its confidence."""
    short = shorten(name, NAME_CHARS)
    if confidence is None:
        return short, f"{name}\nClick to select this cluster."
    tip = (f"{name}\nThe model's guess: the ImageNet classes its members are most often predicted as "
           f"({confidence:.0%} of them agree). Your folder labels are the map's colours. "
           "Click to select this cluster.")  # fmt: skip
    return f"{short} ({confidence:.0%})", tip


class ClusterNames:
    """The largest MAX_MAP_NAMES names of the current zoom level — coarse groups of the cluster
    hierarchy zoomed out, the clusters themselves zoomed in (core.clusters.zoom_names) — laid out
    again whenever the view changes."""

    def __init__(self, window, visible: bool = True):
        self.window = window
        self.items: list[_NameItem] = []
        self.anchors = np.zeros((0, 2))
        self.priorities: list[float] = []
        self.visible = visible
        self.on_click = None  # set by install(): select the clicked cluster
        self.placed: list = []  # the last layout's boxes in view-box pixels (None: hidden)
        self.level = -1  # the hierarchy level shown
        self._centres: dict = {}  # level → name positions, for the current clustering and layout
        self._key = None
        self._pending = False  # a big map's name positions are being computed on the runner
        self._span_of, self._span = None, np.ones(2)
        self._timer = QTimer(window.map)  # dies with the map: never fires on a deleted legend
        self._timer.setSingleShot(True)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._view_changed)
        # A thin line from a cluster to its name when the name had to move away from it (ggrepel's
        # segments): a name never reads as belonging to the cluster it happens to sit beside.
        self.leaders = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(90, 90, 90, 200, width=1))
        self.leaders.setZValue(39)
        window.map.addItem(self.leaders, ignoreBounds=True)
        vb = window.map.viewbox
        vb.sigRangeChanged.connect(lambda *_: self._timer.start())
        vb.sigResized.connect(lambda *_: self._timer.start())
        window.map.legend.geometryChanged.connect(self._timer.start)  # it moved to a freer corner

    def set_visible(self, on: bool) -> None:
        self.visible = on
        self.refresh()

    def zoom(self) -> float:
        """Full map extent ÷ view extent (1 when the whole map shows)."""
        s = self.window.session
        if s.coords is None or not len(s.coords):
            return 1.0
        (x0, x1), (y0, y1) = self.window.map.viewbox.viewRange()
        if self._span_of is not s.coords:  # once per layout (not on every view change)
            self._span_of, self._span = s.coords, span(s.coords)
        sx, sy = self._span
        return float(max(1.0, min(sx / max(x1 - x0, 1e-12), sy / max(y1 - y0, 1e-12))))

    def entries(self):
        """The names for the current view: [MapName(x, y, text, priority, clusters)], most important
        first — data for the placer."""
        from latentview.core.clusters import zoom_names

        s, c = self.window.session, self.window.state.explore.clustering
        if c is None or s.coords is None or c.n_points != len(s.coords):
            return []
        key = (id(c), id(s.coords))
        if key != self._key:
            self._key, self._centres, self._pending = key, {}, False
            runner = getattr(self.window, "runner", None)
            if runner is not None and len(s.coords) > BACKGROUND_ABOVE:
                self._pending = True
                runner.submit("cluster-names", _centres_steps, c, s.coords, title="Placing cluster names",
                              on_result=lambda centres, key=key: self._centres_ready(key, centres))  # fmt: skip
        if self._pending:
            return []  # the names follow when their positions are ready
        return zoom_names(c, s.coords, self.zoom(), self._centres)

    def _centres_ready(self, key, centres: dict) -> None:
        if key == self._key:  # not for a clustering or layout replaced meanwhile
            self._centres, self._pending = centres, False
            self.refresh()

    def on_range_changed(self) -> None:
        """A zoom into another level of the hierarchy swaps the names at once; otherwise the names are
        laid out again by the timer (one layout per burst of view changes)."""
        if not self._new_level():
            self._timer.start()

    def _view_changed(self) -> None:
        if not self._new_level():
            self.layout()

    def _new_level(self) -> bool:
        from latentview.core.clusters import level_for_zoom

        c = self.window.state.explore.clustering
        if self.visible and c is not None and c.levels and level_for_zoom(c, self.zoom()) != self.level:
            self.refresh()
            return True
        return False

    def refresh(self) -> None:
        plot = self.window.map
        for it in self.items:
            plot.removeItem(it)
        self.items, self.priorities, self.placed = [], [], []
        self.anchors = np.zeros((0, 2))
        self.leaders.setData([], [])
        s, c = self.window.session, self.window.state.explore.clustering
        if not self.visible or c is None or s.coords is None or c.n_points != len(s.coords):
            return
        from latentview.core.clusters import level_for_zoom
        from latentview.qt.explore.colour_by import cluster_colours

        self.level = level_for_zoom(c, self.zoom())
        by_cluster = self.window.state.explore.colour_by == "cluster"
        colours = cluster_colours(len(c))
        anchors = []
        for name in self.entries()[:MAX_MAP_NAMES]:
            if not (np.isfinite(name.x) and np.isfinite(name.y)):
                continue
            first = name.clusters[0]
            single = len(name.clusters) == 1
            conf = c.confidence[first] if single and first < len(c.confidence) else None
            text, tip = name_label(name.text, conf)
            border = pg.mkPen(colours[first] if by_cluster else NEUTRAL,
                              width=(2 if single else 3) if by_cluster else 1)  # fmt: skip
            target = first if single else tuple(name.clusters)
            it = _NameItem(text, target, self.on_click, color=(20, 20, 20), border=border,
                           fill=pg.mkBrush(255, 255, 255, 225))  # fmt: skip
            it.full_name = name.text
            it.setToolTip(tip if single else f"{name.text}\n{len(name.clusters)} clusters; zoom in for "
                          "finer names. Click to select them.")  # fmt: skip
            font = it.textItem.font()
            font.setPointSize(9)
            font.setBold(True)
            font.setItalic(conf is not None)  # italics: a guess, not the user's label
            it.setFont(font)
            it.setZValue(40)
            plot.addItem(it, ignoreBounds=True)
            self.items.append(it)
            self.priorities.append(float(name.priority))
            anchors.append((name.x, name.y))
        self.anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
        self.layout()

    def view_rect(self) -> tuple[float, float, float, float]:
        r = self.window.map.viewbox.boundingRect()
        return (r.left() + 2, r.top() + 2, r.right() - 2, r.bottom() - 2)

    def layout(self) -> None:
        """Place every name (collision-avoiding, inside the view) for the current zoom and size."""
        if not self.items:
            return
        vb = self.window.map.viewbox
        legend = self.window.map.legend
        obstacles = []
        if legend.isVisible():
            r = legend.mapRectToParent(legend.boundingRect())
            obstacles.append((r.left(), r.top(), r.right(), r.bottom()))
        from latentview.qt.map.thumbnails import ThumbnailLayer

        thumbs = self.window.features.find(ThumbnailLayer)
        if thumbs is not None:
            obstacles += thumbs.screen_boxes()  # zoomed in to the pictures: names never cover one
        labels, sizes = [], {}
        for it, (x, y), prio in zip(self.items, self.anchors, self.priorities):
            p = vb.mapFromView(QPointF(float(x), float(y)))
            text = it.toPlainText()
            br = it.textItem.boundingRect()
            sizes[text] = (br.width(), br.height())
            labels.append(((p.x(), p.y()), text, prio))
        self.placed = place_labels(
            labels, sizes.__getitem__, self.view_rect(), obstacles, points=self._screen_points()
        )
        ends = []
        for it, box, ((ax, ay), _t, _p) in zip(self.items, self.placed, labels):
            it.setVisible(box is not None)
            if box is None:
                continue
            it.setPos(vb.mapToView(QPointF(box[0], box[1])))
            ex, ey = min(max(ax, box[0]), box[2]), min(max(ay, box[1]), box[3])  # nearest box point
            if np.hypot(ex - ax, ey - ay) > LEADER_PX:
                ends += [vb.mapToView(QPointF(ax, ay)), vb.mapToView(QPointF(ex, ey))]
        self.leaders.setData([p.x() for p in ends], [p.y() for p in ends])

    def _screen_points(self, limit: int = 4000) -> np.ndarray:
        """The visible points in view-box pixels (a sample of them on a big map)."""
        s = self.window.session
        if s.coords is None or not len(s.coords):
            return np.zeros((0, 2))
        vb = self.window.map.viewbox
        (x0, x1), (y0, y1) = vb.viewRange()
        xy = s.coords
        if len(xy) > 4 * SCREEN_SAMPLE:  # an even sample first: a mask over a million points per layout
            xy = xy[:: len(xy) // SCREEN_SAMPLE]
        vis = np.flatnonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))
        if len(vis) > limit:
            vis = vis[:: len(vis) // limit + 1]
        r = vb.boundingRect()
        px = (xy[vis, 0] - x0) / max(x1 - x0, 1e-12) * r.width()
        py = (y1 - xy[vis, 1]) / max(y1 - y0, 1e-12) * r.height()  # y grows downwards on screen
        return np.c_[px + r.left(), py + r.top()]

    def texts(self) -> list[str]:
        return [it.full_name for it in self.items]

    def shown_boxes(self) -> list:
        """(box, text) of the names drawn now, in view-box pixels (tests, the scripted walk)."""
        return [(b, it.toPlainText()) for it, b in zip(self.items, self.placed) if b is not None]
