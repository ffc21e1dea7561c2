"""The main window: the map in the centre, docks around it, every slow step on the task runner.

The window makes the shared state (`AppState`) and the registrar (`Features`) once, adds its own
docks and menu entries through the registrar like any feature, then installs the features below.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedLayout, QWidget

from latentview import __version__
from latentview.core.dataset import Dataset
from latentview.qt.inspector.panel import InspectorPanel
from latentview.qt.map.scatter import MapView
from latentview.qt.map.settings_panel import MapSettingsPanel
from latentview.qt.shell.app_state import AppState
from latentview.qt.shell.dock_layout import DOCK_WIDTHS, share_width
from latentview.qt.shell.drops import DropTarget
from latentview.qt.shell.features import Features
from latentview.qt.shell.map_sync import EMPTY_HINT, MapSync
from latentview.qt.shell.opening import OpenData
from latentview.qt.shell.status import LogPanel, ProgressWidget
from latentview.services.neighbours import default_search_factory

T = TypeVar("T")

# Feature modules, each with `install(features)`. Menus and docks are placed by group/order and tab
# position, not by this order. What the order still decides: the order of slots on shared session
# signals — colour_by before thumbnails and clusters_panel (its coords slot stores the colour codes
# their frames and names read).
FEATURES = (
    "latentview.qt.words.panel",
    "latentview.qt.gan.panel",
    "latentview.qt.explore.colour_by",
    "latentview.qt.explore.clusters_panel",
    "latentview.qt.explore.groups_panel",
    "latentview.qt.map.thumbnails",
    "latentview.qt.map.trust_overlay",
    "latentview.qt.explore.actions",
    "latentview.qt.map.add_model",
    "latentview.qt.tables.opener",
    "latentview.qt.mapstack.drill",
    "latentview.qt.mapstack.extend",
    "latentview.qt.compare.setup",
)


class MainWindow(DropTarget, MapSync, OpenData, QMainWindow):
    mapReady = Signal(str)  # the final layout is drawn (method name)
    mapFailed = Signal(str)  # a sentence: why no map could be made

    def __init__(self, parent=None, search_factory: Callable | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"latentview {__version__}")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self.state = AppState.create(self, search_factory or default_search_factory())
        self.session, self.runner = self.state.session, self.state.runner
        # Layouts per dataset, dropped with the dataset (weak keys: no stale hits from reused ids).
        self._projection_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._pending_focus: int | None = None
        self._index_for: Dataset | None = None
        self._ingest_started = 0.0
        self._rows_added = False  # the next coords extend the layout (Session.add_rows): keep the view
        self._last_error = ""  # shown under the empty map's hint until something opens

        # centre: the map, with a hint while empty
        self.map = MapView()
        self.map.use_runner(self.runner)  # a big map's draw order is sorted off the GUI thread
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setStyleSheet("background: white")
        centre = QWidget()
        self._stack = QStackedLayout(centre)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(self.map)
        self.setCentralWidget(centre)

        # status bar
        self.progress = ProgressWidget(self.runner)
        self.summary = QLabel()
        self.statusBar().addWidget(self.summary, 1)
        self.statusBar().addPermanentWidget(self.progress)
        # The bar keeps its height when progress appears: a resize would re-raster a big map each time.
        self.statusBar().setMinimumHeight(self.progress.sizeHint().height() + 6)

        f = self.features = Features(self, self.state)
        self.docks = f.docks
        self.file_menu, self.view_menu = f.menus["file"], f.menus["view"]
        self.settings = MapSettingsPanel()
        self.inspector = InspectorPanel(self.session, self.runner)
        self.log = LogPanel()
        f.panel("Map settings", self.settings, "left", 0, view_order=0)
        f.panel("Inspector", self.inspector, "right", 0, view_order=1)
        f.panel("Log", self.log, "bottom", 0, view_order=2)
        self.resizeDocks([self.docks["Log"]], [110], Qt.Vertical)
        self._register_actions()
        self._connect()
        for name in FEATURES:
            importlib.import_module(name).install(f)
        f.finish()
        self.resizeDocks([self.docks["Map settings"], self.docks["Inspector"]], list(DOCK_WIDTHS.values()),
                         Qt.Horizontal)  # fmt: skip
        self.layout().activate()  # settle the tabified layout, whose docks stacked had grown the window
        self.resize(1280, 800)

    def feature(self, kind: type[T]) -> T:
        """The installed feature service of type `kind` (e.g. `window.feature(ClustersPanel)`)."""
        return self.features.get(kind)

    def _register_actions(self) -> None:
        """The window's own menu entries (features add theirs through `self.features`)."""
        f = self.features
        self.open_action = QAction("&Open Folder…", self, shortcut=QKeySequence.Open)
        self.open_action.triggered.connect(self._ask_folder)
        self.retry_action = QAction("&Retry Failed Files", self, triggered=self.retry_failed)
        self.retry_action.setToolTip("Embed the shown folder again, trying the files that failed before")
        self.export_action = QAction("&Export Map Data…", self, shortcut="Ctrl+E")
        self.export_action.triggered.connect(self._ask_export)
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.Quit, triggered=self.close)
        f.action("file", "open", self.open_action, 0)
        f.action("file", "open", QAction("Open &Demo", self, triggered=self.open_demo), 20)
        f.action("file", "open", self.retry_action, 30)
        f.action("file", "export", self.export_action, 0)
        f.action("file", "quit", self.quit_action)
        clear = QAction("Clear Selection", self, shortcut=Qt.Key_Escape)
        clear.triggered.connect(self._clear)
        select_all = QAction("Select All", self, shortcut=QKeySequence.SelectAll)
        select_all.triggered.connect(
            lambda: self.session.select_indices(np.arange(len(self.session.dataset or [])))
        )
        f.action("edit", "selection", clear)
        f.action("edit", "selection", select_all)
        reset = QAction("Reset Zoom", self, shortcut="Ctrl+0")
        reset.triggered.connect(self.map.fit)
        legend = QAction("&Legend", self, checkable=True, checked=True)
        legend.toggled.connect(self.map.set_legend_wanted)
        f.action("view", "map", reset)
        f.action("view", "map", legend)
        f.action("help", "about", QAction("&About latentview", self, triggered=self._about))

    def _connect(self) -> None:
        s = self.session
        s.dataset_changed.connect(self._on_dataset)
        s.coords_changed.connect(self._on_coords)
        s.selection_changed.connect(lambda: self.map.set_selection(s.selection))
        s.focus_changed.connect(self._on_focus)
        s.rows_added.connect(self._on_rows_added)
        self.map.lassoed.connect(lambda poly, mode: s.select_polygon(poly, mode))
        self.map.pointClicked.connect(self._on_click)
        self.map.clearRequested.connect(self._clear)
        self.inspector.itemActivated.connect(self.focus_point)
        self.settings.projectionRequested.connect(self.reproject)
        self.settings.modelChanged.connect(self._on_model_change)
        self.runner.logged.connect(lambda _key, entry: self.log.add(entry))
        self.runner.started.connect(lambda *_: self._update_hint())
        self.runner.finished.connect(lambda *_: self._update_hint())
        self.settings.labelModeChanged.connect(self._relabel)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if ev.oldSize().width() != ev.size().width():
            share_width(self)

    # --- export, about, close ------------------------------------------------------------
    def _ask_export(self) -> None:
        from latentview.qt.explore.actions import ExploreActions

        self.feature(ExploreActions).ask_export_map_data()

    def confirm_replace_map(self) -> bool:
        """Before opening another map: offers to save the session when this one has groups."""
        from latentview.qt.explore.actions import ExploreActions

        return self.feature(ExploreActions).offer_save()

    def _about(self) -> None:
        from latentview.licences import ABOUT_HTML

        box = QMessageBox(self)
        box.setWindowTitle("About latentview")
        box.setTextFormat(Qt.RichText)
        box.setText(ABOUT_HTML.format(version=__version__))
        box.exec()

    def closeEvent(self, ev) -> None:
        # Cancel everything; most tasks stop at their next step. A UMAP fit cannot be interrupted,
        # so don't make the user wait for it: app.py exits hard if a thread is still busy.
        self.runner.shutdown(timeout_ms=3000)
        super().closeEvent(ev)
