"""The comparison window: the current map (A) beside up to three other spaces of the same items.

Other spaces come from the task runner (a layer or model of the same folder, a table with the same
ids, another projection), are matched to A's items by id/path and shown in linked panels. Per-point
neighbour overlap with A is a colour layer with a histogram whose threshold selects the points whose
neighbourhoods changed most; each panel lists its mean overlap, CKA and k-NN label accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latentview.core.compare import Comparison, procrustes_align
from latentview.core.progress import Log
from latentview.qt.compare.views import ComparePanel, LinkedViews, agreement_codes
from latentview.qt.shell.status import ProgressWidget

MAX_VIEWS = 4


@dataclass
class Space:
    """One compared space, aligned to A's rows (`present` marks the rows it has)."""

    title: str
    space: np.ndarray  # (len(A), D): full-space vectors, or the 2-D layout for a projection
    coords: np.ndarray  # (len(A), 2)
    present: np.ndarray  # bool (len(A),)
    comparison: Comparison | None = None


class CompareWindow(QWidget):
    def __init__(self, main_window, k: int = 10):
        super().__init__(main_window, Qt.Window)
        self.setWindowTitle("Compare spaces — latentview")
        self.resize(1280, 760)
        self.main = main_window
        self.runner = main_window.runner
        s = main_window.session
        self.dataset = s.dataset
        self.k = k
        self.links = LinkedViews(k, self)
        self.spaces = [Space(f"A · {self._describe(self.dataset, s.projection)}", self.dataset.embeddings,
                             np.asarray(s.coords, np.float64), np.ones(len(self.dataset), bool))]  # fmt: skip
        self.panels: list[ComparePanel] = []
        self.rows = np.arange(len(self.dataset))
        self._build()
        self._add_panel(self.spaces[0])
        if s.selection is not None and len(s.selection) == len(self.dataset):
            self.links.selection = s.selection.copy()  # the map's selection comes along
        self.links.selectionChanged.connect(self._push_selection)
        self.refresh()

    # --- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.add_button = QPushButton("Add view…")
        self.add_button.clicked.connect(self.ask_space)
        self.sweep_button = QPushButton("Layers sweep…")
        self.sweep_button.clicked.connect(self._open_sweep)
        self.colour_combo = QComboBox()
        self.colour_combo.addItems(["map colours", "agreement with A"])
        self.colour_combo.currentIndexChanged.connect(lambda _i: self.recolour())
        self.link_zoom = QCheckBox("Link zoom")
        self.link_zoom.setChecked(True)
        self.link_zoom.toggled.connect(lambda on: setattr(self.links, "link_zoom", on))
        self.align = QCheckBox("Align to A")
        self.align.setToolTip(
            "Rotate, scale and shift each layout to match A's (Procrustes on the shared items)"
        )
        self.align.setChecked(True)
        self.align.toggled.connect(lambda _on: self.refresh(measure=False))
        top = QHBoxLayout()
        for w in (self.add_button, self.sweep_button, QLabel("Colour:"), self.colour_combo, self.link_zoom,
                  self.align):  # fmt: skip
            top.addWidget(w)
        top.addStretch(1)
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        side = self._build_histogram()
        middle = QHBoxLayout()
        middle.addLayout(self.grid, 1)
        middle.addWidget(side)
        self.status = QLabel()
        self.progress = ProgressWidget(self.runner)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(middle, 1)
        lay.addLayout(bottom)

    def _build_histogram(self) -> QWidget:
        side = QWidget()
        side.setFixedWidth(270)
        self.hist_source = QComboBox()
        self.hist_source.currentIndexChanged.connect(lambda _i: (self.draw_histogram(), self.recolour()))
        self.hist = pg.PlotWidget(background="w")
        self.hist.setMouseEnabled(False, False)
        self.hist.setLabel("bottom", "neighbour overlap with A")
        self.hist.setLabel("left", "items")
        self.hist.setMinimumHeight(200)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.08, brush="#67a9cf")
        self.hist.addItem(self.bars)
        self.threshold = pg.InfiniteLine(0.5, angle=90, movable=True, pen=pg.mkPen("#b2182b", width=2))
        self.threshold.setBounds((0, 1))
        self.hist.addItem(self.threshold)
        below = QPushButton("Select overlap ≤ line")
        below.clicked.connect(self.select_below_threshold)
        lowest = QPushButton("Select lowest 10 %")
        lowest.clicked.connect(lambda: self.select_lowest(0.10))
        self.hist_note = QLabel()
        self.hist_note.setWordWrap(True)
        lay = QVBoxLayout(side)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Per-point agreement of"))
        lay.addWidget(self.hist_source)
        lay.addWidget(self.hist, 1)
        lay.addWidget(below)
        lay.addWidget(lowest)
        lay.addWidget(self.hist_note)
        return side

    @staticmethod
    def _describe(ds, projection: str) -> str:
        from latentview.services.models import display_name

        model = display_name(ds.model) if ds.model else "this map"
        return f"{model} ({projection.upper()})" if projection else model

    def _add_panel(self, space: Space) -> ComparePanel:
        panel = ComparePanel(space.title)
        i = len(self.panels)
        self.panels.append(panel)
        self.grid.addWidget(panel, i // 2, i % 2)
        self.links.add(panel)
        return panel

    # --- adding spaces (each through the task runner) -------------------------------------------
    def ask_space(self) -> None:
        from latentview.qt.compare.setup import SpaceDialog

        dlg = SpaceDialog(self.dataset, self.main.settings.params().method, self)
        if dlg.exec():
            self.request(*dlg.choice())

    def request(self, kind: str, value: str, method: str) -> None:
        """kind "encoder" (value: encoder ref), "table" (value: path) or "projection" (value: method)."""
        from latentview.services import compare as svc
        from latentview.services.projection import ProjectionParams, project

        if len(self.spaces) >= MAX_VIEWS:
            return
        params = ProjectionParams(method)
        if kind == "projection":
            title = f"A's space, {value.upper()} layout"
            self.runner.submit("compare-space", project, self.dataset.embeddings, ProjectionParams(value),
                               on_result=lambda xy: self.add_layout(title, xy), on_error=self._failed,
                               title=f"Projecting ({value.upper()}) for comparison")  # fmt: skip
        elif kind == "encoder":
            from latentview.services.models import display_name

            title = f"{display_name(value)} ({method.upper()})"
            self.runner.submit("compare-space", svc.embed_and_project, self.dataset.source, value, params,
                               on_result=lambda res: self.add_dataset(title, *res), on_error=self._failed,
                               title="Embedding for comparison")  # fmt: skip
        else:
            import os

            title = f"{os.path.basename(value)} ({method.upper()})"
            self.runner.submit("compare-space", svc.open_and_project, value, params,
                               on_result=lambda res: self.add_dataset(title, *res), on_error=self._failed,
                               title="Opening table for comparison")  # fmt: skip

    def add_dataset(self, title: str, other, coords: np.ndarray) -> bool:
        """Another space of (some of) A's items, matched by id/path."""
        from latentview.services.compare import match_datasets

        ia, ib = match_datasets(self.dataset, other)
        if len(ia) < 2:
            self._failed(f"{title} shares {len(ia)} item(s) with this map ({len(self.dataset):,} items); "
                         "items are matched by path or id.")  # fmt: skip
            return False
        n = len(self.dataset)
        space = np.zeros((n, other.embeddings.shape[1]), np.float32)
        space[ia] = other.embeddings[ib]
        xy = np.zeros((n, 2))
        xy[ia] = np.asarray(coords)[ib]
        present = np.zeros(n, bool)
        present[ia] = True
        note = f"{title}: {len(ia):,} items matched, {n - len(ia):,} only in A, {len(other) - len(ib):,} only in it"
        self.main.log.add(Log(note, "info"))
        self._add_space(Space(f"{'ABCD'[len(self.spaces)]} · {title}", space, xy, present))
        return True

    def add_layout(self, title: str, coords: np.ndarray) -> None:
        """A's items in another 2-D layout; its 'space' is the layout itself (how well it keeps A's
        neighbours is then the question)."""
        xy = np.asarray(coords, np.float64)
        self._add_space(Space(f"{'ABCD'[len(self.spaces)]} · {title}", xy, xy, np.ones(len(xy), bool)))

    def _add_space(self, space: Space) -> None:
        if len(self.spaces) >= MAX_VIEWS:
            return
        self.spaces.append(space)
        self._add_panel(space)
        self.add_button.setEnabled(len(self.spaces) < MAX_VIEWS)
        self.links.set_focus(None)
        self.refresh()  # the selection stays unless the shared items changed

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.main.log.add(Log(message, "error"))

    # --- drawing ---------------------------------------------------------------------------------
    def refresh(self, measure: bool = True) -> None:
        """Positions of the shared items in every panel (aligned to A when asked), then measures."""
        present = np.logical_and.reduce([s.present for s in self.spaces])
        self.rows = np.flatnonzero(present)
        base = self.spaces[0].coords[self.rows]
        for i, (space, panel) in enumerate(zip(self.spaces, self.panels)):
            xy = space.coords[self.rows]
            if i and self.align.isChecked():
                xy = procrustes_align(base, xy).astype(np.float64)
            panel.xy = xy
            panel.space = space.space[self.rows]
        self.recolour(autorange=True)
        self.links.set_selection(self.links.selection if self._selection_fits() else None)
        n_other = len(self.spaces) - 1
        self.status.setText(f"{len(self.rows):,} items shown in every view (of {len(self.dataset):,} on the map)"
                            + ("" if n_other else " · Add view… to compare"))  # fmt: skip
        names = [s.title for s in self.spaces[1:]]
        self.hist_source.blockSignals(True)
        keep = self.hist_source.currentIndex()
        self.hist_source.clear()
        self.hist_source.addItems(names)
        self.hist_source.setCurrentIndex(keep if 0 <= keep < len(names) else 0)
        self.hist_source.blockSignals(False)
        if measure and n_other:
            self._measure()

    def _selection_fits(self) -> bool:
        sel = self.links.selection
        return sel is not None and len(sel) == len(self.rows)

    def _labels(self) -> np.ndarray | None:
        labels = np.asarray(self.dataset.labels, dtype=object)[self.rows].astype(str)
        return labels if len(set(labels) - {"(no label)", ""}) > 1 else None

    def _measure(self) -> None:
        from latentview.services.compare import measure_spaces

        rows = self.rows
        ref = self.spaces[0].space[rows]
        others = [s.space[rows] for s in self.spaces[1:]]
        n_spaces = len(self.spaces)

        def done(results, rows=rows, n=n_spaces):
            if len(self.spaces) == n and np.array_equal(rows, self.rows):
                for s, r in zip(self.spaces[1:], results):
                    s.comparison = r
                self.show_measures()

        self.runner.submit("compare-measure", measure_spaces, ref, others, self._labels(), self.k,
                           on_result=done, on_error=self._failed, title="Comparing spaces")  # fmt: skip

    def show_measures(self) -> None:
        first = self.spaces[1].comparison if len(self.spaces) > 1 else None
        acc_a = first.accuracy_a if first is not None else None
        self.panels[0].set_measures(1.0, 1.0, acc_a, self.k)
        for s, p in zip(self.spaces[1:], self.panels[1:]):
            c = s.comparison
            if c is not None:
                p.set_measures(c.mean_overlap, c.cka, c.accuracy_b, self.k)
        self.draw_histogram()
        self.recolour()

    def histogram_space(self) -> Space | None:
        i = self.hist_source.currentIndex() + 1
        return self.spaces[i] if 0 < i < len(self.spaces) else None

    def recolour(self, autorange: bool = False) -> None:
        """Map colours (the main window's, the same in every panel) or agreement with A."""
        codes, colours, names = self.main.point_colours()
        codes = np.asarray(codes)[self.rows]
        by_agreement = self.colour_combo.currentIndex() == 1
        hist = self.histogram_space()
        for i, (space, panel) in enumerate(zip(self.spaces, self.panels)):
            source = space if i else hist
            if by_agreement and source is not None and source.comparison is not None:
                c, cols, nm = agreement_codes(source.comparison.overlap)
            else:
                c, cols, nm = codes, colours, names
            if autorange or len(panel.map.points) != len(panel.xy):
                panel.map.set_points(panel.xy, c, cols, nm, autorange=True)
            else:
                panel.map.set_colors(c, cols, nm)
            panel.map.set_legend_wanted(i == 0 or by_agreement)

    def draw_histogram(self) -> None:
        space = self.histogram_space()
        if space is None or space.comparison is None:
            self.bars.setOpts(x=[], height=[])
            self.hist_note.setText("")
            return
        values = space.comparison.overlap[np.isfinite(space.comparison.overlap)]
        k = space.comparison.k
        edges = (np.arange(k + 2) - 0.5) / k
        counts, _ = np.histogram(values, bins=edges)
        self.bars.setOpts(x=np.arange(k + 1) / k, height=counts, width=0.8 / k)
        self.hist.setXRange(-0.6 / k, 1 + 0.6 / k, padding=0)
        self.hist_note.setText(f"{space.title}: mean overlap {values.mean():.3f}; drag the red line and "
                               "select the points whose neighbourhoods changed most.")  # fmt: skip

    # --- selecting by agreement -------------------------------------------------------------------
    def select_below_threshold(self) -> None:
        space = self.histogram_space()
        if space is not None and space.comparison is not None:
            self.links.set_selection(
                np.nan_to_num(space.comparison.overlap, nan=2.0) <= self.threshold.value()
            )

    def select_lowest(self, share: float) -> None:
        space = self.histogram_space()
        if space is None or space.comparison is None:
            return
        overlap = space.comparison.overlap
        cut = float(np.nanquantile(overlap, share))
        self.threshold.setValue(cut)
        self.links.set_selection(np.nan_to_num(overlap, nan=2.0) <= cut)

    def _push_selection(self) -> None:
        """The main map shows the same selection (its rows are A's)."""
        s = self.main.session
        if s.dataset is not self.dataset:
            return
        sel = self.links.selection
        if sel is None:
            s.set_selection(None)
            return
        full = np.zeros(len(self.dataset), bool)
        full[self.rows[sel]] = True
        s.set_selection(full)

    def _open_sweep(self) -> None:
        from latentview.qt.compare.sweep import open_sweep

        open_sweep(self.main, self)

    def closeEvent(self, ev) -> None:
        for key in ("compare-space", "compare-measure"):
            self.runner.cancel(key)
        super().closeEvent(ev)
