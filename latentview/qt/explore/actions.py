"""File-menu actions of the Explore features: export a selection/group (CSV, Parquet, TensorBoard
projector TSV, a folder per cluster or group), export the map as PNG/SVG, and save/open sessions.

Each action is a dialog around a plain function here, so tests call the function with a path.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from latentview.core.atomic import atomic_path
from latentview.core.progress import Log

EXPORT_FILTERS = "Parquet (*.parquet);;CSV (*.csv);;TensorBoard projector (folder)"


# --- tables --------------------------------------------------------------------------------------------
def point_columns(window) -> dict:
    """Per-point extra columns: cluster, cluster_name, knn_recall, groups (when they exist)."""
    ex, ds = window.explore, window.session.dataset
    cols: dict = {}
    c = ex.clustering
    if c is not None and c.n_points == len(ds):
        cols["cluster"] = c.labels.astype(int).tolist()
        cols["cluster_name"] = c.point_names()
    if ex.trust is not None and len(ex.trust.recall) == len(ds):
        cols["knn_recall"] = ex.trust.recall.astype(float).tolist()
    if len(ex.groups):
        cols["groups"] = [";".join(g.name for g in ex.groups if g.mask[i]) for i in range(len(ds))]
    return cols


def export_points(window, path: str, indices=None, embeddings: bool = True) -> int:
    """Rows of `indices` (default: the selection, or everything) to .parquet/.csv, or TensorBoard
    projector files when `path` is a folder (no extension)."""
    from latentview.services import export

    s = window.session
    if indices is None:
        indices = s.selected_indices if len(s.selected_indices) else None
    cols = point_columns(window)
    if os.path.splitext(path)[1] == "":
        export.write_projector(s.dataset, path, cols, indices)
        n = len(s.dataset) if indices is None else len(indices)
    else:
        n = export.write_table(s.dataset, s.coords, path, embeddings=embeddings, columns=cols,
                               indices=indices, csv_embedding=embeddings)  # fmt: skip
    window.log.add(Log(f"Exported {n:,} rows to {path}", "info"))
    return n


def export_sets_to_folders(window, dest: str, by: str = "cluster", mode: str = "copy",
                           names: list[str] | None = None, on_done=None) -> None:  # fmt: skip
    """A folder per cluster (by='cluster') or per chosen group (by='group'), copied or linked, on the
    runner. The user's files are never moved or overwritten."""
    from latentview.services.export import export_folders

    ds, ex = window.session.dataset, window.explore
    if by == "cluster":
        c = ex.clustering
        sets = {c.names[i]: c.members(i) for i in range(len(c))} if c is not None else {}
    else:
        groups = [g for g in ex.groups if names is None or g.name in names]
        sets = {g.name: g.indices for g in groups}

    def done(written):
        window.log.add(Log(f"Exported {sum(written.values()):,} files into {len(written)} folders "
                           f"under {dest} ({mode})", "info"))  # fmt: skip
        if on_done:
            on_done(written)

    window.runner.submit("export-folders", export_folders, ds, sets, dest, mode, on_result=done,
                         on_error=lambda m: QMessageBox.warning(window, "Export failed", m),
                         title="Exporting files")  # fmt: skip


# --- the map as an image -------------------------------------------------------------------------------
def export_map_image(window, path: str) -> str:
    """PNG (pyqtgraph's exporter, twice the screen's size) or SVG by extension.

    SVG renders the plot through QSvgGenerator: pyqtgraph 0.14's SVGExporter fails on the paths our
    point layer and names produce ("not enough values to unpack" while rewriting path data).
    """
    import pyqtgraph.exporters as exporters

    ext = os.path.splitext(path)[1].lower()
    item = window.map.plotItem
    if ext == ".svg":
        from PySide6.QtCore import QRect
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        view = window.map
        with atomic_path(path) as tmp:
            gen = QSvgGenerator()
            gen.setFileName(tmp)
            gen.setSize(view.size())
            gen.setViewBox(QRect(0, 0, view.width(), view.height()))
            gen.setTitle("latentview map")
            painter = QPainter(gen)
            view.render(painter)
            painter.end()
        return path
    if ext != ".png":
        raise ValueError("Use a .png or .svg file name for the map image.")
    exporter = exporters.ImageExporter(item)
    exporter.parameters()["width"] = int(window.map.width() * 2)
    with atomic_path(path) as tmp:
        exporter.export(tmp)
    return path


# --- sessions ------------------------------------------------------------------------------------------
def save_session(window, path: str) -> str:
    from latentview.services.session_file import SessionData
    from latentview.services.session_file import save_session as save

    s, ex, ds = window.session, window.explore, window.session.dataset
    if ds is None:
        raise ValueError("Nothing to save: open a folder first.")
    data = SessionData(
        kind=ds.kind, source=ds.source, model=ds.model, n=len(ds), projection=s.projection,
        projection_params=window.settings.params().resolved() if s.projection else {},
        coords=s.coords, clustering=ex.clustering, groups=ex.groups.to_json(),
        view=[list(r) for r in window.map.viewbox.viewRange()], colour_by=ex.colour_by,
        items_head=[str(i) for i in ds.items[:20]],
    )  # fmt: skip
    save(path, data, ds)
    window.log.add(Log(f"Session saved to {path}", "info"))
    return path


def open_session(window, path: str) -> None:
    """Reopen: images re-ingest through the embedding cache; the rest comes from the file."""
    from latentview.services.session_file import load_session

    data = load_session(path)
    if data.dataset is not None:
        restore(window, data, data.dataset)
        return
    if data.table is not None:  # a table map reopens its table (with the same column choices)
        from latentview.services.tables import TableSpec

        window.tables.open(TableSpec.from_json(data.table), on_result=lambda ds: restore(window, data, ds))
        return
    from latentview.services.ingest import IngestOptions, ingest_folder

    window.settings.set_model(data.model)
    window.log.add(Log(f"Opening session {os.path.basename(path)}", "info"))
    window.runner.submit("ingest", ingest_folder, data.source, IngestOptions(model=data.model),
                         on_result=lambda ds: restore(window, data, ds), on_error=window._on_failed,
                         title="Reopening session")  # fmt: skip


def restore(window, data, dataset) -> None:
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.session_file import SessionFileError, check_matches

    s, ex = window.session, window.explore
    try:
        check_matches(data, dataset)
    except SessionFileError as exc:
        window.log.add(Log(str(exc), "warning"))
        window.show_dataset(dataset)
        return
    s.set_dataset(dataset)  # resets clusters, groups and trust
    if data.clustering is not None and data.clustering.n_points == len(dataset):
        ex.set_clustering(data.clustering)
    ex.groups.load_json(len(dataset), data.groups)
    ex.set_colour_by(data.colour_by)
    if data.coords is not None and len(data.coords) == len(dataset):
        if data.projection in ("pca", "umap", "tsne"):
            window.settings.set_method(data.projection)
        s.set_coords(data.coords, data.projection or "pca", final=True)
        if data.view:
            (x0, x1), (y0, y1) = data.view
            window.map.viewbox.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    else:
        window.reproject(ProjectionParams(data.projection or "umap"))


# --- menus ---------------------------------------------------------------------------------------------
class ExploreActions:
    def __init__(self, window):
        self.window = window
        w = window
        self.export_sel = QAction("Export &Selection…", w, triggered=self.ask_export_points)
        self.export_folders = QAction("Export Images to &Folders…", w, triggered=self.ask_export_folders)
        self.export_image = QAction("Export Map &Image (PNG/SVG)…", w, triggered=self.ask_export_image)
        self.save = QAction("&Save Session…", w, shortcut="Ctrl+S", triggered=self.ask_save)
        self.open = QAction("Open Sessio&n…", w, shortcut="Ctrl+Alt+O", triggered=self.ask_open)
        self.recent = QMenu("&Recent Sessions", w)
        self.recent.aboutToShow.connect(self.fill_recent)
        menu = w.file_menu
        for a in (self.open, self.save):
            menu.insertAction(w.quit_action, a)
        menu.insertMenu(w.quit_action, self.recent)
        menu.insertSeparator(w.quit_action)
        for a in (self.export_sel, self.export_folders, self.export_image):
            menu.insertAction(w.quit_action, a)
        menu.insertSeparator(w.quit_action)
        w.groups_panel.exportRequested.connect(self.ask_export_groups)

    def _ready(self) -> bool:
        s = self.window.session
        return s.dataset is not None and s.coords is not None

    def _guard(self, fn, *args) -> None:
        from latentview.core.errors import guard

        with guard(lambda message: QMessageBox.warning(self.window, "latentview", message)):
            fn(*args)

    def ask_export_points(self, indices=None) -> None:
        if not self._ready():
            return
        path, flt = QFileDialog.getSaveFileName(
            self.window, "Export points", "selection.parquet", EXPORT_FILTERS
        )
        if path:
            if flt.startswith("TensorBoard"):
                path = os.path.splitext(path)[0]
            self._guard(export_points, self.window, path, indices)

    def ask_export_groups(self, names: list[str]) -> None:
        if not self._ready() or not names:
            return
        groups = [g for g in self.window.explore.groups if g.name in names]
        idx = np.unique(np.concatenate([g.indices for g in groups]))
        if self.window.session.dataset.kind == "images":
            choice, ok = QInputDialog.getItem(self.window, "Export groups", "Export as",
                                              ["A table or projector files", "Folders of images"], 0, False)  # fmt: skip
            if not ok:
                return
            if choice.startswith("Folders"):
                self.ask_export_folders(by="group", names=names)
                return
        self.ask_export_points(idx)

    def ask_export_folders(self, _checked=False, by: str | None = None, names=None) -> None:
        if not self._ready() or self.window.session.dataset.kind != "images":
            return
        if by is None:
            by = "cluster" if self.window.explore.clustering is not None else "group"
        dest = QFileDialog.getExistingDirectory(self.window, f"Folder to put one sub-folder per {by} in")
        if not dest:
            return
        mode, ok = QInputDialog.getItem(self.window, "Copy or link", "Your files are never moved:",
                                        ["copy", "link"], 0, False)  # fmt: skip
        if ok:
            export_sets_to_folders(self.window, dest, by, mode, names)

    def ask_export_image(self) -> None:
        if not self._ready():
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export map image", "map.png", "PNG (*.png);;SVG (*.svg)"
        )
        if path:
            self._guard(export_map_image, self.window, path)

    def ask_save(self) -> None:
        if not self._ready():
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", "session.latentview.json",
                                              "latentview session (*.json)")  # fmt: skip
        if path:
            self._guard(save_session, self.window, path)

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", "latentview session (*.json)")
        if path:
            self._guard(open_session, self.window, path)

    def fill_recent(self) -> None:
        from latentview.services.session_file import recent_sessions

        self.recent.clear()
        paths = recent_sessions()
        for p in paths:
            self.recent.addAction(os.path.basename(p), lambda p=p: self._guard(open_session, self.window, p))
        if not paths:
            self.recent.addAction("(none yet)").setEnabled(False)


def install(window) -> None:
    window.explore_actions = ExploreActions(window)
