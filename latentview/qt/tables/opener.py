"""Open Embeddings: File ▸ Open Embeddings… (Ctrl+Shift+O), a dropped table file, `latentview TABLE`.

Inspecting (a sample of rows) and loading both run on the task runner, with progress and cancel. The
Table dock shows where the map came from, finds rows by their text, and reopens the dialog to change
the columns. Text columns are drawn like words (labels that fit, more as you zoom).
"""

from __future__ import annotations

import os
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from latentview.core.progress import Log
from latentview.core.textsafe import display_path
from latentview.qt.shell.features import Features
from latentview.services.tables import TableSpec, inspect_task, is_table_path, open_table

FILTER = ("Embeddings tables (*.parquet *.pq *.arrow *.feather *.ipc *.csv *.tsv *.npy *.npz);;"
          "All files (*)")  # fmt: skip


def table_info(dataset) -> dict | None:
    return dataset.meta.get("table") if dataset is not None else None


class TablePanel(QWidget):
    """Where the map came from, a text search, and "Change columns…"."""

    def __init__(self, opener, parent=None):
        super().__init__(parent)
        self.opener = opener
        self.info = QLabel("File ▸ Open Embeddings… (Ctrl+Shift+O) or drop a Parquet, Arrow, CSV, .npy/.npz "
                           "or projector file on the window.")  # fmt: skip
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.search = QLineEdit(placeholderText="Find text… (Enter selects the matches)")
        self.search.returnPressed.connect(lambda: self.opener.find(self.search.text()))
        self.found = QLabel()
        self.change = QPushButton("Change columns…")
        self.change.clicked.connect(self.opener.reopen_dialog)
        self.change.setEnabled(False)
        lay = QVBoxLayout(self)
        for w in (self.info, self.search, self.found, self.change):
            lay.addWidget(w)
        lay.addStretch(1)


class TableOpener:
    def __init__(self, window):
        self.window = window
        self.dialog = None
        self.last_spec: TableSpec | None = None
        self._started = 0.0
        self.action = QAction("Open &Embeddings…", window, shortcut="Ctrl+Shift+O", triggered=self.ask_file)
        self.panel = TablePanel(self)
        window.session.dataset_changed.connect(self._on_dataset)
        window.session.coords_changed.connect(self._on_coords)
        window.session.focus_changed.connect(self._on_focus)
        from latentview.qt.words.overlay import WordLabelsItem

        self.labels = WordLabelsItem()
        window.map.addItem(self.labels, ignoreBounds=True)

    # --- opening -----------------------------------------------------------------------------
    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open an embeddings table", "", FILTER)
        if path:
            self.ask(path)

    def ask(self, path: str, metadata: str | None = None) -> None:
        """Read a sample, then show the dialog (on the runner: a big CSV takes a moment)."""
        self.window.runner.submit("table-inspect", inspect_task, path, metadata, title="Reading table",
                                  on_result=self._show_dialog, on_error=self.window._on_failed)  # fmt: skip

    def _show_dialog(self, result) -> None:
        from latentview.qt.tables.dialog import TableDialog

        src, roles = result
        self.dialog = dlg = TableDialog(src, roles, self.window)
        dlg.metadataChosen.connect(lambda meta: self.ask(src.path, meta))
        dlg.accepted.connect(lambda: self.open(dlg.spec()))
        dlg.open()

    def reopen_dialog(self) -> None:
        if self.last_spec is not None:
            self.ask(self.last_spec.path, self.last_spec.metadata)

    def open(self, spec: TableSpec, on_result=None) -> None:
        """Load on the runner; `on_result(dataset)` replaces showing it (sessions restore their layout)."""
        self._started = time.perf_counter()
        self.window.log.add(Log(f"Opening table {display_path(spec.path)}", "info"))
        self.window.runner.submit("ingest", open_table, spec, title="Opening table",
                                  on_result=on_result or self.show, on_error=self.window._on_failed)  # fmt: skip

    def show(self, dataset) -> None:
        w, info = self.window, table_info(dataset)
        secs = time.perf_counter() - self._started
        skipped = info["n_rows"] - len(dataset)
        w.log.add(Log(f"{os.path.basename(info['spec']['path'])}: {len(dataset):,} rows × "
                      f"{dataset.embeddings.shape[1]} dimensions, {skipped:,} skipped, {secs:.1f} s", "info"))  # fmt: skip
        w.session.set_dataset(dataset)
        if info["xy"] is not None:
            w.session.set_coords(info["xy"], "table x/y", final=True)
        else:
            w.reproject(w.settings.params())

    # --- the dock, labels, search ------------------------------------------------------------
    def _on_dataset(self) -> None:
        ds = self.window.session.dataset
        info = table_info(ds)
        self.labels.clear()
        self.panel.change.setEnabled(info is not None)
        if info is None:
            self.panel.found.clear()
            return
        self.last_spec = TableSpec.from_json(info["spec"])
        roles = info["roles"]
        vec = roles["vectors"]
        vec_text = (f"{vec[0]} … {vec[-1]} ({len(vec)} columns)" if len(vec) > 1 else
                    (vec[0] if vec else f"'{self.last_spec.embed_text}' embedded"))  # fmt: skip
        parts = [f"<b>{display_path(os.path.basename(info['spec']['path']))}</b>",
                 f"{info['n_rows']:,} rows, {len(ds):,} on the map · {ds.embeddings.shape[1]}-d",
                 f"vectors: {vec_text}"]  # fmt: skip
        for role in ("label", "image", "text", "x", "y"):
            if roles.get(role):
                parts.append(f"{role}: {roles[role]}")
        if roles.get("other"):
            parts.append(f"metadata: {', '.join(roles['other'][:12])}")
        self.panel.info.setText("<br>".join(parts))
        self.window.docks["Table"].show()
        self.window.docks["Table"].raise_()

    def _has_text(self) -> bool:
        info = table_info(self.window.session.dataset)
        return (
            info is not None
            and bool(info["roles"].get("text"))
            and self.window.session.dataset.kind == "table"
        )

    def _on_coords(self, _final: bool) -> None:
        s = self.window.session
        if self._has_text() and s.coords is not None:
            self.labels.set_words(s.dataset.items, s.coords)
        else:
            self.labels.clear()

    def _on_focus(self) -> None:
        s = self.window.session
        if self._has_text():
            self.labels.set_pinned([s.focus], priority=s.neighbours[0] if s.focus is not None else ())

    def find(self, text: str) -> np.ndarray:
        """Rows whose text (or item name) contains `text`, case-insensitive: selected, the first focused."""
        s = self.window.session
        if s.dataset is None or not text.strip():
            return np.zeros(0, int)
        needle = text.strip().lower()
        info = table_info(s.dataset)
        column = info["fields"].get(info["roles"].get("text") or "") if info else None
        values = column if column is not None else s.dataset.items
        hits = np.flatnonzero([needle in str(v).lower() for v in values])
        self.panel.found.setText(f"{len(hits):,} rows contain “{text.strip()}”" if len(hits) else "no match")
        if len(hits):
            s.select_indices(hits)
            s.set_focus(int(hits[0]))
        return hits


def dropped_table(mime) -> str | None:
    """The first dropped file that is an embeddings table (a folder of Parquet shards counts)."""
    for url in mime.urls() if mime.hasUrls() else []:
        path = url.toLocalFile()
        if path and is_table_path(path):
            return path
    return None


def install(features: Features) -> None:
    opener = features.provide(TableOpener(features.window))
    features.action("file", "open", opener.action, 10)
    # Shown once a table is open (View ▸ Table too): four left tabs keep readable titles.
    features.panel("Table", opener.panel, "left", 10, view_order=60, hidden=True)

    def take_drop(mime) -> bool:
        table = dropped_table(mime)
        if table:  # an embeddings table (or a folder of Parquet shards): the Open Embeddings dialog
            opener.ask(table)
        return bool(table)

    features.on_drop(take_drop)
