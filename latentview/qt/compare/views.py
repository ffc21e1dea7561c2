"""One panel of the comparison (a MapView, its title and its measures) and the links between panels.

Every panel shows the same items in the same order, so an index means the same item everywhere:
selection, hover, the clicked point and zoom are copied across panels by `LinkedViews`, while each
panel shows the clicked point's neighbours *in its own space* (that is what differs).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from latentview.core.compare import cosine_knn
from latentview.core.geometry import bounds, points_in_polygon
from latentview.core.selection import SelectionMode, combine
from latentview.qt.map.scatter import MapView, mode_for

AGREEMENT_BINS = np.array([0.2, 0.4, 0.6, 0.8, 0.999])  # 6 classes: <.2 … ≥.8, and exactly 1
AGREEMENT_NAMES = [
    "overlap 0 – 0.2",
    "0.2 – 0.4",
    "0.4 – 0.6",
    "0.6 – 0.8",
    "0.8 – 1",
    "1 (the same)",
]  # no "<": HTML
AGREEMENT_HEX = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"]


def agreement_codes(overlap: np.ndarray) -> tuple[np.ndarray, list[QColor], list[str]]:
    """(codes, colours, legend names) of a per-point overlap: red where neighbourhoods changed."""
    values = np.nan_to_num(np.asarray(overlap, dtype=np.float64), nan=0.0)
    codes = np.digitize(values, AGREEMENT_BINS).astype(np.int32)
    return codes, [QColor(h) for h in AGREEMENT_HEX], list(AGREEMENT_NAMES)


class ComparePanel(QWidget):
    """Title, map and a small table of measures (against view A) for one space."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setTextFormat(Qt.RichText)
        self.map = MapView()
        self.map.set_legend_wanted(False)
        self.hover = pg.ScatterPlotItem(
            size=18, pen=pg.mkPen("#1f3fbf", width=2.5), brush=pg.mkBrush(0, 0, 0, 0)
        )
        self.hover.setZValue(40)
        self.map.addItem(self.hover)
        self.measures = QLabel()
        self.measures.setTextFormat(Qt.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.title)
        lay.addWidget(self.map, 1)
        lay.addWidget(self.measures)
        self.set_measures(None, None, None, 10)  # the table's rows from the start: the map never jumps
        self.space: np.ndarray | None = None  # the full space of the shown items (2-D for a layout)
        self.xy = np.zeros((0, 2))

    def set_title(self, text: str) -> None:
        self.title.setText(f"<b>{text}</b>")

    def set_measures(self, overlap: float | None, cka: float | None, accuracy: float | None, k: int) -> None:
        def cell(v):
            return "—" if v is None or v != v else f"{v:.3f}"

        rows = [(f"mean {k}-NN overlap with A", cell(overlap)), ("linear CKA with A", cell(cka)),
                (f"{k}-NN label accuracy", cell(accuracy))]  # fmt: skip
        html = "".join(f"<tr><td>{n}</td><td align='right'>&nbsp;<b>{v}</b></td></tr>" for n, v in rows)
        self.measures.setText(f"<table cellspacing='0'>{html}</table>")


class LinkedViews(QObject):
    """Links selection, hover, focus and (optionally) zoom across panels; all indices are shared."""

    selectionChanged = Signal()
    focusChanged = Signal()
    hoverChanged = Signal()

    def __init__(self, k: int = 10, parent=None):
        super().__init__(parent)
        self.panels: list[ComparePanel] = []
        self.selection: np.ndarray | None = None
        self.focus: int | None = None
        self.hovered: int | None = None
        self.k = k
        self.link_zoom = True
        self._syncing = False

    def add(self, panel: ComparePanel) -> None:
        self.panels.append(panel)
        m = panel.map
        m.lassoed.connect(lambda poly, mode, p=panel: self.select_polygon(p, poly, mode))
        m.pointClicked.connect(self._on_click)
        m.clearRequested.connect(self.clear)
        m.scene().sigMouseMoved.connect(lambda pos, p=panel: self._on_move(p, pos))
        m.viewbox.sigRangeChangedManually.connect(lambda *_, p=panel: self._on_range(p))

    def remove(self, panel: ComparePanel) -> None:
        if panel in self.panels:
            self.panels.remove(panel)

    # --- selection ---------------------------------------------------------------------------
    def select_polygon(self, panel: ComparePanel, polygon: np.ndarray, mode: SelectionMode) -> None:
        if len(panel.xy):
            self.set_selection(points_in_polygon(panel.xy, polygon), mode)

    def set_selection(self, mask: np.ndarray | None, mode: SelectionMode = SelectionMode.REPLACE) -> None:
        self.selection = None if mask is None else combine(self.selection, mask, mode)
        for p in self.panels:
            p.map.set_selection(self.selection)
        self.selectionChanged.emit()

    def clear(self) -> None:
        self.set_selection(None)
        self.set_focus(None)

    # --- focus: the clicked point and its neighbours in each panel's own space -----------------
    def _on_click(self, index: int, modifiers) -> None:
        if index < 0:
            self.set_focus(None)
            return
        mode = mode_for(modifiers)
        if mode is not SelectionMode.REPLACE and self.panels:
            mask = np.zeros(len(self.panels[0].xy), bool)
            mask[index] = True
            self.set_selection(mask, mode)
        self.set_focus(index)

    def set_focus(self, index: int | None) -> None:
        self.focus = index
        for p in self.panels:
            p.map.set_focus(index)
            p.map.set_neighbours(self.neighbours(p, index))
        self.focusChanged.emit()

    def neighbours(self, panel: ComparePanel, index: int | None) -> np.ndarray:
        if index is None or panel.space is None or len(panel.space) < 2:
            return np.zeros(0, int)
        k = min(self.k, len(panel.space) - 1)
        return cosine_knn(panel.space, k, rows=np.array([index]))[0]

    # --- hover -------------------------------------------------------------------------------
    def _on_move(self, panel: ComparePanel, scene_pos) -> None:
        m = panel.map
        if not m.viewbox.sceneBoundingRect().contains(scene_pos) or not len(panel.xy):
            return
        pos = m.viewbox.mapSceneToView(scene_pos)
        self.set_hover(m.pick(pos.x(), pos.y()))

    def set_hover(self, index: int | None) -> None:
        if index == self.hovered:
            return
        self.hovered = index
        for p in self.panels:
            ok = index is not None and index < len(p.xy)
            p.hover.setData(pos=p.xy[[index]] if ok else np.zeros((0, 2)))
        self.hoverChanged.emit()

    # --- zoom: the same part of each layout (relative to its points' extent) -------------------
    def _on_range(self, source: ComparePanel) -> None:
        if not self.link_zoom or self._syncing or not len(source.xy):
            return
        (x0, x1), (y0, y1) = source.map.viewbox.viewRange()
        lo, hi = _extent(source.xy)
        fx = ((x0 - lo[0]) / (hi[0] - lo[0]), (x1 - lo[0]) / (hi[0] - lo[0]))
        fy = ((y0 - lo[1]) / (hi[1] - lo[1]), (y1 - lo[1]) / (hi[1] - lo[1]))
        self._syncing = True
        try:
            for p in self.panels:
                if p is source or not len(p.xy):
                    continue
                a, b = _extent(p.xy)
                p.map.viewbox.setRange(xRange=(a[0] + fx[0] * (b[0] - a[0]), a[0] + fx[1] * (b[0] - a[0])),
                                       yRange=(a[1] + fy[0] * (b[1] - a[1]), a[1] + fy[1] * (b[1] - a[1])),
                                       padding=0)  # fmt: skip
        finally:
            self._syncing = False

    def fit_all(self) -> None:
        for p in self.panels:
            p.map.fit()


def _extent(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = bounds(xy, finite=True)
    return lo, np.maximum(hi, lo + 1e-9)
