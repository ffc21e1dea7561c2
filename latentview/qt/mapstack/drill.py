"""Re-project Selection: the selected points open as a map of their own (projection, clusters and
names recomputed on the subset) with a breadcrumb back to the parent; selection and groups carry over
by item both ways."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QToolBar

from latentview.core.drill import ParentMap, subset
from latentview.core.progress import Log
from latentview.qt.shell.features import Features

MIN_POINTS = 5


class Drill:
    def __init__(self, window):
        self.w = window
        self.stack: list[ParentMap] = []
        self._busy = False  # drilling or going back: a dataset change that keeps the breadcrumb
        self.action = QAction("&Re-project Selection", window, shortcut="Ctrl+R", triggered=self.drill)
        self.action.setToolTip("Open the selected points as a map of their own (Ctrl+R)")
        self.back_action = QAction("Back to &Parent Map", window, shortcut="Alt+Left", triggered=self.back)
        self.bar = QToolBar("Breadcrumb", window)
        self.bar.setObjectName("BreadcrumbBar")
        self.bar.setMovable(False)
        window.addToolBar(Qt.TopToolBarArea, self.bar)
        self._refresh_bar()

    def titles(self) -> list[str]:
        """The breadcrumb, root first; the last entry is the map on screen."""
        ds = self.w.session.dataset
        here = f"{'Selection' if self.stack else 'Map'} ({len(ds):,})" if ds is not None else ""
        return [p.title for p in self.stack] + ([here] if here else [])

    def drill(self) -> None:
        w, s = self.w, self.w.session
        rows = s.selected_indices
        if s.dataset is None or s.coords is None or len(rows) < MIN_POINTS:
            w.statusBar().showMessage(f"Select at least {MIN_POINTS} points to re-project them.", 8000)
            return
        ex = w.state.explore
        root = "Map" if not self.stack else "Selection"
        parent = ParentMap(s.dataset, s.coords, s.projection, rows, f"{root} ({len(s.dataset):,})",
                           ex.clustering, [(g.name, g.mask.copy(), g.color) for g in ex.groups],
                           tuple(map(tuple, w.map.viewbox.viewRange())))  # fmt: skip
        self.stack.append(parent)
        child = subset(s.dataset, rows)
        w.log.add(Log(f"Re-projecting {len(rows):,} selected points as their own map", "info"))
        self._busy = True
        try:
            w.show_dataset(child)  # projection, then clusters and names, recomputed on the subset
        finally:
            self._busy = False
        for name, mask, colour in parent.groups:
            part = parent.to_child(mask)
            if part.any():
                ex.groups.add(name, part, colour)
        self._refresh_bar()

    def back(self, levels: int = 1) -> None:
        """Up `levels` maps; the child's selection and its new groups come along, by item."""
        w, s, ex = self.w, self.w.session, self.w.state.explore
        if not self.stack:
            return
        selection = s.selection if s.selection is not None else np.zeros(len(s.dataset), bool)
        groups = [(g.name, g.mask.copy(), g.color) for g in ex.groups]
        for _ in range(max(1, min(levels, len(self.stack)))):
            parent = self.stack.pop()
            selection = parent.to_parent(selection)
            carried = {name for name, _, _ in parent.groups}
            groups = parent.groups + [(n, parent.to_parent(m), c) for n, m, c in groups if n not in carried]
        self._busy = True
        try:
            s.set_dataset(parent.dataset)
            ex.set_clustering(parent.clustering)
            for name, mask, colour in groups:
                ex.groups.add(name, mask, colour)
            s.set_coords(parent.coords, parent.projection, final=True)
        finally:
            self._busy = False
        if parent.view is not None:
            w.map.viewbox.setRange(xRange=parent.view[0], yRange=parent.view[1], padding=0)
        s.set_selection(selection if selection.any() else None)
        self._refresh_bar()

    def on_dataset(self) -> None:
        """Another folder or dataset replaced the map: the breadcrumb starts again."""
        if not self._busy and self.stack:
            self.forget()
        self._refresh_bar()

    def forget(self) -> None:
        """A new folder or dataset replaced the map: the breadcrumb starts again."""
        self.stack.clear()
        self._refresh_bar()

    def _refresh_bar(self) -> None:
        self.bar.clear()
        titles = self.titles()
        self.bar.setVisible(len(titles) > 1)
        for depth, title in enumerate(titles):
            if depth:
                self.bar.addWidget(_label(" › "))
            act = self.bar.addAction(title)
            up = len(titles) - 1 - depth
            act.setEnabled(up > 0)
            act.triggered.connect(lambda _=False, up=up: self.back(up))
        self.action.setEnabled(self.w.session.dataset is not None)
        self.back_action.setEnabled(bool(self.stack))


def _label(text: str) -> QLabel:
    return QLabel(text)


def install(features: Features) -> None:
    window = features.window
    drill = features.provide(Drill(window))
    features.action("edit", "drill", drill.action, 0)
    features.action("edit", "drill", drill.back_action, 1)

    def add_button() -> None:
        from latentview.qt.explore.clusters_panel import ClustersPanel

        panel = features.find(ClustersPanel)
        if panel is not None:
            button = QPushButton("Re-project selection")
            button.setToolTip(drill.action.toolTip())
            button.clicked.connect(drill.drill)
            panel.layout().addWidget(button)

    features.after_install(add_button)
    window.session.dataset_changed.connect(drill.on_dataset)
