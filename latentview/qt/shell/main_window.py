"""The main window: the map in the centre, docks around it, every slow step on the task runner."""

from __future__ import annotations

import html
import os
import time
import weakref

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedLayout,
    QWidget,
)

from latentview import __version__
from latentview.backends.projectors import ProjectionParams
from latentview.core.dataset import Dataset
from latentview.core.progress import Log
from latentview.core.selection import SelectionMode
from latentview.core.session import Session
from latentview.core.textsafe import display_path
from latentview.qt.common.palette import categorical
from latentview.qt.inspector.panel import InspectorPanel
from latentview.qt.map.scatter import MapView, mode_for
from latentview.qt.map.settings_panel import MapSettingsPanel
from latentview.qt.shell.dock_layout import DOCK_WIDTHS, SHORT_TITLES, dock_content, share_width
from latentview.qt.shell.status import LogPanel, ProgressWidget
from latentview.qt.shell.task_runner import TaskRunner

EMPTY_HINT = (
    "<div style='font-size:15pt; color:#555'>Drop a folder of images here</div>"
    "<div style='color:#777'>or File ▸ Open Folder… (Ctrl+O), or File ▸ Open Demo</div>"
)
LOADING_HINT = "<div style='font-size:15pt; color:#555'>{}…</div><div style='color:#777'>{}</div>"
ERROR_HINT = "<div style='color:#b00020; margin-top:12px'>{}</div>"
QUIET_TASKS = {"map-thumbs", "hover-thumb", "neighbour-thumbs", "selection-thumbs", "focus-image"}


INDEX_IN_BACKGROUND = 4_000_000  # embedding values above which neighbours are searched on the runner
PICK_INDEX_IN_BACKGROUND = 200_000  # points above which the map's picking grid is built on the runner


class MainWindow(QMainWindow):
    mapReady = Signal(str)  # the final layout is drawn (method name)
    mapFailed = Signal(str)  # a sentence: why no map could be made

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"latentview {__version__}")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        from latentview.backends.knn import best_search

        self.session = Session(search_factory=best_search)
        self.runner = TaskRunner(self)
        # Layouts per dataset, dropped with the dataset (weak keys: no stale hits from reused ids).
        self._projection_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._pending_focus: int | None = None
        self._index_for: Dataset | None = None
        self._ingest_started = 0.0
        self._rows_added = False  # the next coords extend the layout (Session.add_rows): keep the view
        # Extensions may set a callable returning (codes, colours, names) for the map, or None for labels.
        self.colour_source = None
        # Features keep their own part of a session file: name -> (get() -> JSON, put(JSON or None)).
        self.session_parts: dict = {}
        self._last_error = ""  # shown under the empty map's hint until something opens
        self.extend_hook = None  # set by qt/mapstack/extend: merges new images of the folder on the map

        # centre: the map, with a hint while empty
        self.map = MapView()
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setStyleSheet("background: white")
        centre = QWidget()
        self._stack = QStackedLayout(centre)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(self.map)
        self.setCentralWidget(centre)

        # docks
        self.settings = MapSettingsPanel()
        self.inspector = InspectorPanel(self.session, self.runner)
        self.log = LogPanel()
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("Map settings", self.settings, Qt.LeftDockWidgetArea)
        self._add_dock("Inspector", self.inspector, Qt.RightDockWidgetArea)
        self._add_dock("Log", self.log, Qt.BottomDockWidgetArea)
        self.resizeDocks([self.docks["Log"]], [110], Qt.Vertical)

        # status bar
        self.progress = ProgressWidget(self.runner)
        self.summary = QLabel()
        self.statusBar().addWidget(self.summary, 1)
        self.statusBar().addPermanentWidget(self.progress)
        # The bar keeps its height when progress appears: a resize would re-raster a big map each time.
        self.statusBar().setMinimumHeight(self.progress.sizeHint().height() + 6)

        self._build_menus()
        self._connect()
        self._install_extensions()

    def _install_extensions(self) -> None:
        """Feature modules add their docks, menu entries and map layers (each module's `install`)."""
        from latentview.qt.compare import setup as compare
        from latentview.qt.explore import actions as explore_actions
        from latentview.qt.explore import clusters_panel, colour_by, groups_panel
        from latentview.qt.gan import panel as gan_panel
        from latentview.qt.map import add_model, trust_overlay
        from latentview.qt.map import thumbnails as thumbnail_layer
        from latentview.qt.mapstack import drill, extend
        from latentview.qt.tables import opener as tables
        from latentview.qt.words import panel as words_panel

        words_panel.install_words_panel(self)
        for module in (gan_panel, colour_by, clusters_panel, groups_panel, thumbnail_layer, trust_overlay,
                       explore_actions, add_model, tables, drill, extend, compare):  # fmt: skip
            module.install(self)
        self._arrange_docks()
        self._arrange_file_menu()

    def _arrange_file_menu(self) -> None:
        """Group the File menu's entries (extensions append theirs): open, sessions, export, quit."""
        order = ["Open Folder", "Open Embeddings", "Open Demo", "Retry Failed", "Open Word Vectors (",
                 "Open Word Vectors File",
                 "Load Generator", None, "Open Session", "Save Session", "Recent Sessions", None,
                 "Export Map Data", "Export Selection", "Export Images", "Export Map Image"]  # fmt: skip
        menu = self.file_menu
        actions = [a for a in menu.actions() if not a.isSeparator() and a is not self.quit_action]
        placed = []
        for prefix in order:
            if prefix is None:
                placed.append(None)
                continue
            placed += [a for a in actions if a.text().replace("&", "").startswith(prefix) and a not in placed]
        placed += [a for a in actions if a not in placed]
        for a in menu.actions():  # removeAction, not clear(): clear() deletes the menu's own actions
            menu.removeAction(a)
        for a in placed:
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def _arrange_docks(self) -> None:
        """One tab stack on the left (settings, words, clusters, groups), inspector | GAN on the right:
        the window then fits a 1366×768 laptop screen with the map still the widest part."""
        d = self.docks
        left = [d["Map settings"], d["Words"], d["Clusters"], d["Groups"]]
        for dock in left[1:]:
            self.tabifyDockWidget(left[0], dock)
        for title in ("Map settings", "Inspector"):
            d[title].raise_()
        self.resizeDocks([d["Map settings"], d["Inspector"]], list(DOCK_WIDTHS.values()), Qt.Horizontal)
        self.layout().activate()  # settle the tabified layout, whose docks stacked had grown the window
        self.resize(1280, 800)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if ev.oldSize().width() != ev.size().width():
            share_width(self)

    # --- construction --------------------------------------------------------------------
    def _add_dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(SHORT_TITLES.get(title, title), self)
        dock.setObjectName(title.replace(" ", "") + "Dock")
        dock.setWidget(dock_content(title, widget))
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def add_panel(self, title: str, widget: QWidget, area=Qt.RightDockWidgetArea,
                  tabify_with: str | None = None) -> QDockWidget:  # fmt: skip
        """Extension point for feature panels (words, GAN, clusters): a dock plus its View toggle."""
        dock = self._add_dock(title, widget, area)
        if tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _build_menus(self) -> None:
        file = self.file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open Folder…", self, shortcut=QKeySequence.Open)
        self.open_action.triggered.connect(self._ask_folder)
        demo = QAction("Open &Demo", self, triggered=self.open_demo)
        self.retry_action = QAction("&Retry Failed Files", self, triggered=self.retry_failed)
        self.retry_action.setToolTip("Embed the shown folder again, trying the files that failed before")
        self.export_action = QAction("&Export Map Data…", self, shortcut="Ctrl+E")
        self.export_action.triggered.connect(self._ask_export)
        quit_ = self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.Quit, triggered=self.close)
        for a in (self.open_action, demo, self.retry_action, self.export_action):
            file.addAction(a)
        file.addSeparator()
        file.addAction(quit_)
        edit = self.menuBar().addMenu("&Edit")
        clear = QAction("Clear Selection", self, shortcut=Qt.Key_Escape)
        clear.triggered.connect(self._clear)
        select_all = QAction("Select All", self, shortcut=QKeySequence.SelectAll)
        select_all.triggered.connect(
            lambda: self.session.select_indices(np.arange(len(self.session.dataset or [])))
        )
        edit.addActions([clear, select_all])
        view = self.view_menu = self.menuBar().addMenu("&View")
        reset = QAction("Reset Zoom", self, shortcut="Ctrl+0")
        reset.triggered.connect(self.map.fit)
        view.addAction(reset)
        legend = QAction("&Legend", self, checkable=True, checked=True)
        legend.toggled.connect(self.map.set_legend_wanted)
        view.addAction(legend)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        help_ = self.menuBar().addMenu("&Help")
        help_.addAction(QAction("&About latentview", self, triggered=self._about))

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

    # --- opening data --------------------------------------------------------------------
    def _ask_folder(self) -> None:
        if not self.confirm_replace_map():
            return
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.open_folder(folder)

    def open_demo(self, _checked=False) -> None:
        if not self.confirm_replace_map():
            return
        self.runner.submit("ingest", _demo_then_ingest, self.settings.model_name,
                           on_result=self._on_ingested, on_error=self._on_failed,
                           title="Preparing demo")  # fmt: skip
        self._ingest_started = time.perf_counter()

    def retry_failed(self) -> None:
        """Embed the shown folder again; files whose failure is cached are tried again."""
        ds = self.session.dataset
        if ds is not None and ds.kind == "images" and ds.source:
            self.open_folder(ds.source, retry_failed=True)

    def open_folder(self, folder: str, model: str | None = None, use_cache: bool = True,
                    retry_failed: bool = False, on_error=None) -> None:  # fmt: skip
        from latentview.services.ingest import IngestOptions, ingest_folder

        if model:
            self.settings.set_model(model)
        self._ingest_started = time.perf_counter()
        self.log.add(Log(f"Opening {display_path(folder)} with {self.settings.model_name}", "info"))
        opts = IngestOptions(model=self.settings.model_name, use_cache=use_cache, retry_failed=retry_failed,
                             label_depth=self.settings.label_depth)  # fmt: skip
        self.runner.submit("ingest", ingest_folder, folder, opts, on_result=self._on_ingested,
                           on_error=on_error or self._on_failed, title="Embedding images")  # fmt: skip

    def show_dataset(self, dataset: Dataset, params: ProjectionParams | None = None) -> None:
        """Put any dataset (images, words, GAN samples) on the map."""
        self.session.set_dataset(dataset)
        self.reproject(params or self.settings.params())

    def _on_ingested(self, dataset: Dataset) -> None:
        secs = time.perf_counter() - self._ingest_started
        bad = len(dataset.failures)
        self.log.add(Log(f"{len(dataset):,} images embedded ({_model_words(dataset.model)}), {bad} skipped, "
                         f"{secs:.1f} s", "info"))  # fmt: skip
        if self.extend_hook is not None and self.extend_hook(dataset):
            return
        self.show_dataset(dataset)

    def _on_failed(self, message: str) -> None:
        """Errors stay visible: in the Log (shown), in the status bar until the next message, and under
        the empty map's hint."""
        self.log.add(Log(message, "error"))
        self.docks["Log"].show()
        self.statusBar().showMessage(message)
        self._last_error = message
        self._update_hint()
        self.mapFailed.emit(message)

    def _update_hint(self) -> None:
        """The empty map says what is loading (never 'drop a folder' while something opens), else how to
        start, with the last error under it."""
        if self.session.dataset is not None:
            return
        busy = [k for k in self.runner.running() if k not in QUIET_TASKS]
        if busy:
            title = self.progress.label.text() or "Loading"
            self.hint.setText(LOADING_HINT.format(html.escape(title.rstrip("…")),
                                                  "The map appears here when it is ready."))  # fmt: skip
        else:
            err = ERROR_HINT.format(html.escape(self._last_error)) if self._last_error else ""
            self.hint.setText(EMPTY_HINT + err)

    def _update_title(self) -> None:
        ds = self.session.dataset
        name = ""
        if ds is not None:
            src = ds.source.rstrip("/\\").removeprefix("builtin:")
            name = os.path.basename(src) or ds.kind
            if ds.kind == "images" and name.startswith("demo-v"):
                name = "Demo images"
            name = f"{name} ({len(ds):,} {ds.kind if ds.kind != 'gan' else 'samples'}) — "
        self.setWindowTitle(f"{name}latentview {__version__}")

    def _relabel(self, depth: int) -> None:
        """Labels by first folder level or by the full relative folder path, without embedding again."""
        from latentview.backends.images import label_for

        ds = self.session.dataset
        if ds is None or ds.kind != "images" or not ds.source:
            return
        ds.labels = [label_for(p, ds.source, depth) for p in ds.items]
        if self.session.coords is not None:
            self._on_coords(True)

    def _on_model_change(self, model: str) -> None:
        from latentview.qt.map.add_model import allowed_to_run

        ds = self.session.dataset
        if not allowed_to_run(self, model):  # a code-carrying file the user declined
            self.settings.set_model(ds.model if ds is not None and ds.model else "")
            return
        if ds is not None and ds.kind == "images" and ds.source and "table" not in ds.meta:
            # the shown folder, embedded again (cached per model and layer)
            self.open_folder(ds.source, on_error=self._on_model_failed)

    def _on_model_failed(self, message: str) -> None:
        """The new model could not run: the combo goes back to the model on the map, the sentence to
        the Log (the status bar only points there, so nothing long runs off it)."""
        ds = self.session.dataset
        if ds is not None and ds.model:
            self.settings.set_model(ds.model)
        self.log.add(Log(message, "error"))
        self.statusBar().showMessage("The model was not changed: see the Log.", 8000)

    # --- projection ----------------------------------------------------------------------
    def reproject(self, params: ProjectionParams) -> None:
        ds = self.session.dataset
        if ds is None:
            return
        self.settings.set_method(params.method)
        key = (params.method, tuple(sorted(params.resolved().items())))
        layouts = self._projection_cache.setdefault(ds, {})
        if key in layouts:
            self.session.set_coords(layouts[key], params.method, final=True)
            return

        def done(coords, key=key, ds=ds):
            self._projection_cache.setdefault(ds, {})[key] = coords
            self.session.set_layout(ds, coords, params.method, final=True)  # rows added meanwhile: placed

        def partial(part, ds=ds):
            self.session.set_layout(ds, part.value, part.label, final=False)

        self.runner.submit("project", _codes_then_project, ds, params, on_result=done,
                           on_partial=partial, on_error=self._on_failed,
                           title=f"Projecting ({params.method.upper()})")  # fmt: skip

    # --- session → view ------------------------------------------------------------------
    def _on_dataset(self) -> None:
        ds = self.session.dataset
        self.map.set_points(np.zeros((0, 2)), np.zeros(0, int), [], [])
        self._stack.setCurrentWidget(self.map if ds is not None else self.hint)
        if ds is not None:
            self._last_error = ""
        self._update_hint()
        self._update_title()
        from latentview.qt.shell.dock_layout import raise_tabs_for

        raise_tabs_for(self, ds.kind if ds is not None else "")  # the tabs that work on this kind of map
        self._update_summary()

    def _on_rows_added(self, _added) -> None:
        self._rows_added = True  # the coords that follow extend the layout: keep the view

    def _on_coords(self, final: bool) -> None:
        s = self.session
        codes, colors, names = self.point_colours()
        grown, self._rows_added = self._rows_added, False
        first = (len(self.map.points) != len(s.coords) and not grown) or not final
        self.map.set_points(s.coords, codes, colors, names, autorange=False)
        if final and len(s.coords) > PICK_INDEX_IN_BACKGROUND:
            xy = self.map.pick_index_later()
            self.runner.submit("pick-index", _pick_index, xy, title="Indexing the map",
                               on_result=lambda index, xy=xy: self.map.set_pick_index(index, xy))  # fmt: skip
        self.map.set_selection(s.selection)
        self.map.set_neighbours(s.neighbours[0])
        self.map.set_focus(s.focus)
        # After the overlays moved, so their old positions don't stretch the range. Rows added to the
        # layout (a searched word) keep the view; a new layout is shown whole.
        if first or (final and not grown):
            self.map.fit()
        self._update_summary()
        if final:
            self.mapReady.emit(s.projection)

    def point_colours(self) -> tuple:
        """(codes, colours, legend names) for the map: by label unless an extension says otherwise."""
        out = self.colour_source() if self.colour_source is not None else None
        if out is None:
            codes, names = self.session.dataset.label_codes()
            out = codes, categorical(len(names)), names
        return out

    def _on_focus(self) -> None:
        s = self.session
        self.map.set_neighbours(s.neighbours[0])
        self.map.set_focus(s.focus)

    def _update_summary(self) -> None:
        ds = self.session.dataset
        if ds is None:
            self.summary.setText("")
            return
        what = {"images": "images", "words": "words"}.get(ds.kind, "points")
        text = f"{len(ds):,} {what}"
        if ds.failures:
            text += f" · {len(ds.failures)} skipped (see Log)"
        if ds.model:
            text += f" · {_model_words(ds.model)}"
        if self.session.projection:
            text += f" · {self.session.projection.upper()}"
        self.summary.setText(text)

    # --- interaction ---------------------------------------------------------------------
    def _on_click(self, index: int, modifiers) -> None:
        if index < 0:
            self.session.set_focus(None)
            return
        mode = mode_for(modifiers)
        if mode is not SelectionMode.REPLACE:
            self.session.select_indices([index], mode)
        self.focus_point(index)

    def focus_point(self, index: int) -> None:
        """Focus a point and show its full-space neighbours. On a big map the search runs on the runner
        (the first time it also builds the index: seconds at a million rows, maybe importing torch);
        the newest click wins, and a click during the build is answered when the index is ready."""
        s = self.session
        if s.dataset is None or s.dataset.embeddings.size < INDEX_IN_BACKGROUND:
            s.set_focus(index)
            return
        self._pending_focus = index
        ds = s.dataset
        if s.search_or_none is None and self.runner.is_running("neighbours") and self._index_for is ds:
            return  # the index is being built; that task answers the newest click
        self._index_for = ds

        def done(result):
            search, i, neighbours = result
            if s.dataset is ds:
                s.set_search(search)
                s.set_focus(i, neighbours)
                if self._pending_focus != i:
                    self.focus_point(self._pending_focus)

        self.runner.submit("neighbours", _neighbours, ds.embeddings, s.search_or_none, lambda: self._pending_focus,
                           s.k, on_result=done, on_error=self._on_failed, title="Finding neighbours")  # fmt: skip

    def _clear(self) -> None:
        self.session.clear_selection()
        self.session.set_focus(None)

    # --- drag and drop -------------------------------------------------------------------
    @staticmethod
    def _dropped_folder(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            path = url.toLocalFile()
            if os.path.isdir(path):
                return path
            if os.path.isfile(path):
                return os.path.dirname(path)
        return None

    def dragEnterEvent(self, ev) -> None:
        if self._dropped_folder(ev.mimeData()):
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:
        if self._dropped_folder(ev.mimeData()):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        from latentview.qt.tables.opener import dropped_table

        table = dropped_table(ev.mimeData())
        if table:  # an embeddings table (or a folder of Parquet shards): the Open Embeddings dialog
            ev.acceptProposedAction()
            self.tables.ask(table)
            return
        folder = self._dropped_folder(ev.mimeData())
        if folder:
            ev.acceptProposedAction()
            if not len(self.explore.groups):
                self.open_folder(folder)
            else:  # ask after the drop has finished (a modal box inside a drop stalls the drag source)
                QTimer.singleShot(0, lambda: self.confirm_replace_map() and self.open_folder(folder))

    # --- export, about, close ------------------------------------------------------------
    def _ask_export(self) -> None:
        self.explore_actions.ask_export_map_data()

    def confirm_replace_map(self) -> bool:
        """Before opening another map: offers to save the session when this one has groups."""
        return self.explore_actions.offer_save()

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

    # --- test and automation helpers -----------------------------------------------------
    def drop_folder_at(self, folder: str, pos: QPointF | None = None) -> None:
        """Deliver a real drag-and-drop sequence to the window (used by tests and --screenshot)."""
        from PySide6.QtCore import QMimeData
        from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
        from PySide6.QtWidgets import QApplication

        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(folder)])
        pos = pos or QPointF(self.width() / 2, self.height() / 2)
        handle = self.windowHandle()
        for cls in (QDragEnterEvent, QDragMoveEvent):
            QApplication.sendEvent(
                handle, cls(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
            )
        QApplication.sendEvent(handle, QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def _model_words(ref: str) -> str:
    from latentview.backends.embedders import display_name

    return display_name(ref)


def _codes_then_project(ds: Dataset, params: ProjectionParams):
    """Generator for the runner: the label codes (cached on the dataset: a Python pass over every label
    would freeze the window at a million points), then the projection."""
    from latentview.services.projection import project

    ds.label_codes()
    return (yield from project(ds.embeddings, params, ds.meta.get("preview_rows")))


def _pick_index(xy: np.ndarray):
    """Generator for the runner: the map's picking grid (core.geometry.PointIndex)."""
    from latentview.core.geometry import PointIndex
    from latentview.core.progress import Progress

    yield Progress(0, 1, f"Indexing {len(xy):,} map positions")
    return PointIndex(xy)


def _neighbours(embeddings: np.ndarray, search, wanted, k: int):
    """Generator for the runner: (search, index, neighbours) for the newest clicked point `wanted()`;
    builds the full-space k-NN index first when there is none (see backends.knn.best_search)."""
    from latentview.backends.knn import best_search
    from latentview.core.progress import Progress

    if search is None:
        yield Progress(0, 2, f"Indexing {len(embeddings):,} points for neighbour search")
        search = best_search(embeddings)
        yield Progress(1, 2, "Finding neighbours")
    index = wanted()
    return search, index, search.query(index, k)


def _demo_then_ingest(model: str):
    from latentview.backends.demo import demo_folder
    from latentview.services.ingest import IngestOptions, ingest_folder

    folder = str(demo_folder())
    return (yield from ingest_folder(folder, IngestOptions(model=model)))
