"""File-menu actions of the Explore features: export a selection/group (CSV, Parquet, TensorBoard
projector TSV, a folder per cluster or group), export the map as PNG/SVG, and save/open sessions.

Each action is a dialog around a plain function here, so tests call the function with a path.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from latentview.core.progress import Log
from latentview.qt.shell.features import Features

EXPORT_FILTERS = "Parquet (*.parquet);;CSV (*.csv);;TensorBoard projector (folder)"


def with_filter_suffix(path: str, name_filter: str) -> str:
    """The chosen filter's extension when the user typed none ("map" + "SVG (*.svg)" → "map.svg")."""
    if os.path.splitext(path)[1] or "(*." not in name_filter:
        return path
    return path + "." + name_filter.split("(*.", 1)[1].split(")")[0].split()[0]


# --- tables --------------------------------------------------------------------------------------------
def point_column_sources(window) -> dict:
    """What the per-point extra columns are made of (services.export.point_columns): references to the
    window's arrays, taken on the GUI thread in microseconds; the runner copies and assembles them."""
    ex, ds = window.state.explore, window.session.dataset
    out: dict = {}
    c = ex.clustering
    if c is not None and c.n_points == len(ds):
        out["clusters"] = (c.labels, list(c.names))
    if ex.trust is not None and len(ex.trust.recall) == len(ds):
        out["recall"] = ex.trust.recall
    if len(ex.groups):
        out["groups"] = (ex.groups.names(), [g.mask for g in ex.groups])
    return out


def _failed(window, what: str):
    """An on_error callback: the sentence goes to the Log and the status bar (never a modal box)."""

    def report(message: str) -> None:
        window.log.add(Log(f"{what} failed: {message}", "error"))
        window.statusBar().showMessage(f"{what} failed: {message}", 15000)

    return report


def export_points(window, path: str, indices=None, embeddings: bool = True, on_done=None,
                  all_rows: bool = False) -> None:  # fmt: skip
    """Rows of `indices` (default: the selection, or everything) to .parquet/.csv, or TensorBoard
    projector files when `path` is a folder (no extension) — written on the runner, in blocks, with
    progress. `all_rows`: every point plus the failed files. `on_done(rows)` runs when it is written."""
    from latentview.services import export

    s = window.session
    if all_rows:
        indices = None
    elif indices is None:
        indices = s.selected_indices
        indices = indices if len(indices) else None
    sources, ds, coords = point_column_sources(window), s.dataset, s.coords
    folder = os.path.splitext(path)[1] == ""
    count = (len(ds) if indices is None else len(indices)) if folder else None

    def steps():  # on the runner: the columns of a million points are made there, not here
        cols = export.point_columns(**sources)
        if folder:
            return (yield from export.projector_steps(ds, path, cols, indices))
        return (yield from export.write_table_steps(ds, coords.copy(), path, embeddings, cols, indices,
                                                    csv_embedding=embeddings))  # fmt: skip

    def done(result):
        n = count if count is not None else result
        window.log.add(Log(f"Exported {n:,} rows to {path}", "info"))
        if on_done:
            on_done(n)

    window.runner.submit("export", steps, on_result=done,
                         on_error=_failed(window, "Export"), title="Exporting")  # fmt: skip


def export_sets_to_folders(window, dest: str, by: str = "cluster", mode: str = "copy",
                           names: list[str] | None = None, on_done=None) -> None:  # fmt: skip
    """A folder per cluster (by='cluster') or per chosen group (by='group'), copied or linked, on the
    runner. The user's files are never moved or overwritten; files that can't be exported are skipped
    and listed in the Log."""
    from latentview.services.export import export_folders

    ds, ex = window.session.dataset, window.state.explore
    if by == "cluster":
        c = ex.clustering
        sets = {c.names[i]: c.members(i) for i in range(len(c))} if c is not None else {}
    else:
        groups = [g for g in ex.groups if names is None or g.name in names]
        sets = {g.name: g.indices for g in groups}

    def done(report):
        skipped = f", {len(report.skipped)} skipped (see above)" if report.skipped else ""
        window.log.add(Log(f"Exported {sum(report.written.values()):,} files into {len(report.written)} "
                           f"folders under {dest} ({mode}){skipped}", "info"))  # fmt: skip
        if on_done:
            on_done(report)

    window.runner.submit("export-folders", export_folders, ds, sets, dest, mode, on_result=done,
                         on_error=_failed(window, "Export"), title="Exporting files")  # fmt: skip


# --- the map as an image -------------------------------------------------------------------------------
def export_map_image(window, path: str) -> str:
    """PNG at twice the screen's size or SVG with vector points, by extension; leaves a Log line."""
    from latentview.qt.explore.map_image import export_map_image as write

    window.log.add(Log(write(window.map, path), "info"))
    return path


# --- sessions ------------------------------------------------------------------------------------------
def session_data(window):
    """What a session file holds, taken on the GUI thread as arrays (cheap; the worker encodes them)."""
    from latentview.services.session_file import SessionData

    s, ex, ds = window.session, window.state.explore, window.session.dataset
    if ds is None:
        raise ValueError("Nothing to save: open a folder first.")
    c = ex.clustering
    if c is not None:
        from latentview.core.clusters import Clustering

        c = Clustering(c.labels.copy(), list(c.names), c.method, dict(c.params), c.seconds,
                       list(c.confidence), list(c.levels))  # fmt: skip
    groups = [{"name": g.name, "color": g.color, "indices": g.indices} for g in ex.groups]
    return SessionData(
        kind=ds.kind, source=ds.source, model=ds.model, n=len(ds), projection=s.projection,
        projection_params=window.settings.params().resolved() if s.projection else {},
        coords=None if s.coords is None else s.coords.copy(), clustering=c, groups=groups,
        view=[list(r) for r in window.map.viewbox.viewRange()], colour_by=ex.colour_by,
        items_head=[str(i) for i in ds.items[:20]],
        extras={name: get() for name, (get, _) in window.state.session_parts.items()},  # features' own state
    )  # fmt: skip


def save_session(window, path: str, on_done=None) -> None:
    """Snapshot now (so the map may change meanwhile), write on the runner, Log line when written."""
    from latentview.services.session_file import save_task

    data = session_data(window)

    def done(written):
        window.log.add(Log(f"Session saved to {written}", "info"))
        if on_done:
            on_done(written)

    window.runner.submit("session-save", save_task, path, data, window.session.dataset, on_result=done,
                         on_error=_failed(window, "Saving the session"), title="Saving session")  # fmt: skip


def open_session(window, path: str) -> None:
    """Reopen: the file is read on the runner; images re-ingest through the embedding cache."""
    from latentview.services.session_file import load_task

    window.log.add(Log(f"Opening session {os.path.basename(path)}", "info"))
    window.runner.submit("session-open", load_task, path, on_result=lambda data: _reopen(window, data),
                         on_error=window._on_failed, title="Opening session")  # fmt: skip


def _reopen(window, data) -> None:
    if data.dataset is not None:
        restore(window, data, data.dataset)
        return
    if data.table is not None:  # a table map reopens its table (with the same column choices)
        from latentview.qt.tables.opener import TableOpener
        from latentview.services.tables import TableSpec

        window.feature(TableOpener).open(
            TableSpec.from_json(data.table), on_result=lambda ds: restore(window, data, ds)
        )
        return
    from latentview.services.ingest import IngestOptions
    from latentview.services.session_file import reingest_task

    window.settings.set_model(data.model)
    window.runner.submit("ingest", reingest_task, data.source, IngestOptions(model=data.model),
                         on_result=lambda ds: restore(window, data, ds), on_error=window._on_failed,
                         title="Reopening session")  # fmt: skip


def restore(window, data, dataset) -> None:
    from latentview.services.session_file import SessionFileError, check_matches

    s, ex = window.session, window.state.explore
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
    # The layout in the next turn of the event loop: a million points' data, then their layout (points,
    # legend, fit), are two steps of ~20 and ~60 ms instead of one freeze of both.
    QTimer.singleShot(0, window, lambda: _restore_layout(window, data, dataset))


def _restore_layout(window, data, dataset) -> None:
    from latentview.services.projection import ProjectionParams

    s = window.session
    if s.dataset is not dataset:
        return  # another map opened meanwhile
    if data.coords is not None and len(data.coords) == len(dataset):
        if data.projection in ("pca", "umap", "tsne"):
            window.settings.set_method(data.projection)
        s.set_coords(data.coords, data.projection or "pca", final=True)
        if data.view:
            (x0, x1), (y0, y1) = data.view
            window.map.zoom_to((x0, x1), (y0, y1))  # a saved view: no later re-fit zooms it out
    else:
        window.reproject(ProjectionParams(data.projection or "umap"))
    for name, (_, put) in window.state.session_parts.items():  # features restore their state
        put(data.extras.get(name))


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

    def _ready(self) -> bool:
        s = self.window.session
        return s.dataset is not None and s.coords is not None

    def _guard(self, fn, *args) -> None:
        from latentview.core.errors import guard

        with guard(lambda message: QMessageBox.warning(self.window, "latentview", message)):
            fn(*args)

    def ask_export_points(self, _checked=False, indices=None) -> None:
        """File ▸ Export Selection… (Qt passes `checked` first) and Groups ▸ Export (with indices)."""
        self._ask_table("Export points", "selection.parquet", indices)

    def ask_export_map_data(self, _checked=False) -> None:
        """File ▸ Export Map Data…: every point and failed file, with clusters, groups, trust and the
        embedding (Parquet; CSV gets it as space-separated numbers)."""
        self._ask_table("Export map data", "latentview.parquet", None, all_rows=True)

    def _ask_table(self, title: str, name: str, indices, all_rows: bool = False) -> None:
        if not self._ready():
            return
        path, flt = QFileDialog.getSaveFileName(self.window, title, name, EXPORT_FILTERS)
        if not path:
            return
        if flt.startswith("TensorBoard"):
            path = os.path.splitext(path)[0]
        else:
            path = with_filter_suffix(path, flt)
        self._guard(export_points, self.window, path, indices, True, None, all_rows)

    def ask_export_groups(self, names: list[str]) -> None:
        if not self._ready() or not names:
            return
        groups = [g for g in self.window.state.explore.groups if g.name in names]
        idx = np.unique(np.concatenate([g.indices for g in groups]))
        if self.window.session.dataset.kind == "images":
            choice, ok = QInputDialog.getItem(self.window, "Export groups", "Export as",
                                              ["A table or projector files", "Folders of images"], 0, False)  # fmt: skip
            if not ok:
                return
            if choice.startswith("Folders"):
                self.ask_export_folders(by="group", names=names)
                return
        self.ask_export_points(indices=idx)

    def ask_export_folders(self, _checked=False, by: str | None = None, names=None) -> None:
        if not self._ready() or self.window.session.dataset.kind != "images":
            return
        if by is None:
            by = "cluster" if self.window.state.explore.clustering is not None else "group"
        dest = QFileDialog.getExistingDirectory(self.window, f"Folder to put one sub-folder per {by} in")
        if not dest:
            return
        mode, ok = QInputDialog.getItem(self.window, "Copy or link", "Your files are never moved:",
                                        ["copy", "link"], 0, False)  # fmt: skip
        if ok:
            export_sets_to_folders(self.window, dest, by, mode, names)

    def ask_export_image(self, _checked=False) -> None:
        if not self._ready():
            return
        path, flt = QFileDialog.getSaveFileName(
            self.window, "Export map image", "map.png", "PNG (*.png);;SVG (*.svg)"
        )
        if path:
            self._guard(export_map_image, self.window, with_filter_suffix(path, flt))

    def ask_save(self, _checked=False) -> bool:
        """True when a save was started (the snapshot is taken at once)."""
        if not self._ready():
            return False
        path, flt = QFileDialog.getSaveFileName(self.window, "Save session", "session.latentview.json",
                                                "latentview session (*.json)")  # fmt: skip
        if path:
            self._guard(save_session, self.window, with_filter_suffix(path, flt))
        return bool(path)

    def ask_open(self, _checked=False) -> None:
        if not self.offer_save():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", "latentview session (*.json)")
        if path:
            self._guard(open_session, self.window, path)

    def offer_save(self) -> bool:
        """Before another map replaces this one: when it has groups, Save / Discard / Cancel.
        Returns False when the user chose to stay (Cancel, or Save then cancelled the file dialog)."""
        w = self.window
        if w.session.dataset is None or not len(w.state.explore.groups):
            return True
        n = len(w.state.explore.groups)
        answer = QMessageBox.question(
            w, "Save the session?",
            f"This map has {n} group{'s' if n != 1 else ''} that opening another map will discard. "
            "Save the session first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save,
        )  # fmt: skip
        if answer == QMessageBox.Cancel:
            return False
        if answer == QMessageBox.Save:
            return self.ask_save()
        return True

    def fill_recent(self) -> None:
        from latentview.services.session_file import recent_sessions

        self.recent.clear()
        paths = recent_sessions()
        for p in paths:
            self.recent.addAction(os.path.basename(p), lambda p=p: self._guard(open_session, self.window, p))
        if not paths:
            self.recent.addAction("(none yet)").setEnabled(False)


def install(features: Features) -> None:
    actions = features.provide(ExploreActions(features.window))
    for order, item in enumerate((actions.open, actions.save, actions.recent)):
        features.action("file", "session", item, order)
    for order, item in enumerate((actions.export_sel, actions.export_folders, actions.export_image)):
        features.action("file", "export", item, 10 * (order + 1))

    def wire() -> None:
        from latentview.qt.explore.groups_panel import GroupsPanel

        groups = features.find(GroupsPanel)
        if groups is not None:
            groups.exportRequested.connect(actions.ask_export_groups)

    features.after_install(wire)
