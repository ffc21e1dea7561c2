"""Inspector dock: the clicked point (large image, path, size, nearest neighbours in the full space)
and the current selection (thumbnail grid with count). Words and other non-image items show as text.
"""

from __future__ import annotations

import html
import os

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from latentview.core.session import Session
from latentview.core.textsafe import display_path
from latentview.qt.common.imaging import to_pixmap
from latentview.services.images import focus_details
from latentview.services.neighbours import approximate_note
from latentview.services.thumbnails import load_thumbnails

THUMB = 96
MAX_GRID = 400
EMPTY_HINT = ("<div style='color:#555'><b>Click a point</b> on the map to see its image and its nearest "
              "neighbours in the full embedding space.<br><br><b>Drag</b> to lasso points (Shift adds, "
              "Ctrl subtracts); the <b>Selection</b> tab shows them.<br><br><b>Wheel</b> zooms: close up, "
              "the dots become the pictures.</div>")  # fmt: skip


MIN_PICTURE_PX = 120  # the picture shrinks to this before the dock stops giving way to the map


class _ScaledImage(QLabel):
    """The clicked image, scaled to the dock's width: a big picture never widens the dock (and so
    never shrinks the map under the user's click), and never holds the dock wide on a small window."""

    def __init__(self, text: str = ""):
        super().__init__(text)
        self._pm: QPixmap | None = None
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Expanding)
        self.setWordWrap(True)

    def set_image(self, pm: QPixmap | None) -> None:
        self._pm = pm
        self._rescale()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._rescale()

    def minimumSizeHint(self) -> QSize:
        """Not the pixmap's size (QLabel's own hint): the scaled picture follows the dock's width."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), MIN_PICTURE_PX), min(hint.height(), MIN_PICTURE_PX))

    def _rescale(self) -> None:
        if self._pm is None or self._pm.isNull():
            return
        w, h = max(self.width() - 4, 16), max(self.height() - 4, 16)
        if self._pm.width() > w or self._pm.height() > h:
            self.setPixmap(self._pm.scaled(w, h, Qt.KeepAspectRatio, Qt.SmoothTransformation))
        else:
            self.setPixmap(self._pm)


def _grid(icon_size: int) -> QListWidget:
    grid = QListWidget()
    grid.setViewMode(QListView.IconMode)
    grid.setIconSize(QSize(icon_size, icon_size))
    grid.setResizeMode(QListView.Adjust)
    grid.setMovement(QListView.Static)
    grid.setUniformItemSizes(True)
    grid.setSpacing(4)
    grid.setWordWrap(True)
    return grid


class InspectorPanel(QWidget):
    """Reads the session; asks the runner for thumbnails so the GUI never decodes images."""

    itemActivated = Signal(int)  # a neighbour or selected item was clicked: focus it

    def __init__(self, session: Session, runner, parent=None):
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.tabs = QTabWidget()
        # Point tab
        point = QWidget()
        self.image = _ScaledImage(EMPTY_HINT)
        self.image.setAlignment(Qt.AlignCenter)
        self.image.setMinimumHeight(160)
        self.image.setWordWrap(True)  # a table's text (a sentence) wraps instead of widening the dock
        self.image.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.neighbours_title = QLabel()
        self.neighbours_title.setWordWrap(True)
        self.neighbours = _grid(THUMB)
        self.neighbours.itemClicked.connect(self._activate)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.image, 1)
        tl.addWidget(self.caption)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.neighbours_title)
        bl.addWidget(self.neighbours, 1)
        split = QSplitter(Qt.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        QVBoxLayout(point).addWidget(split)
        # Selection tab
        sel = QWidget()
        self.count = QLabel("No selection. Drag on the map to lasso points (Shift adds, Ctrl subtracts).")
        self.count.setWordWrap(True)
        self.grid = _grid(THUMB)
        self.grid.itemClicked.connect(self._activate)
        sl = QVBoxLayout(sel)
        sl.addWidget(self.count)
        sl.addWidget(self.grid, 1)
        self.tabs.addTab(point, "Point")
        self.tabs.addTab(sel, "Selection")
        QVBoxLayout(self).addWidget(self.tabs)
        self._focus_pixmap: QPixmap | None = None
        self.neighbours.setVisible(False)
        session.focus_changed.connect(self._on_focus_change)
        session.selection_changed.connect(self._on_selection_change)
        session.dataset_changed.connect(self._on_dataset_change)

    # --- helpers -------------------------------------------------------------------------
    def _is_images(self) -> bool:
        ds = self.session.dataset
        return ds is not None and ds.kind == "images"

    def _label(self, i: int) -> str:
        item = self.session.dataset.items[i]
        return os.path.basename(display_path(item)) if self._is_images() else item

    def _activate(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.UserRole)
        if index is not None:
            self.itemActivated.emit(int(index))

    def _fill(self, grid: QListWidget, indices, captions, key: str) -> None:
        grid.clear()
        images = self._is_images()
        grid.setViewMode(QListView.IconMode if images else QListView.ListMode)
        for i, cap in zip(indices, captions):
            it = QListWidgetItem(cap)
            it.setData(Qt.UserRole, int(i))
            it.setToolTip(display_path(self.session.dataset.items[i]))
            if images:
                it.setSizeHint(QSize(THUMB + 12, THUMB + 34))
            grid.addItem(it)
        if images and len(indices):
            paths = [self.session.dataset.items[i] for i in indices]
            self.runner.submit(key, load_thumbnails, paths, THUMB, title="Thumbnails",
                               on_partial=lambda part, g=grid: self._set_icons(g, part.value))  # fmt: skip

    @staticmethod
    def _set_icons(grid: QListWidget, chunk) -> None:
        for row, rgb in chunk:
            it = grid.item(row)
            if it is not None and rgb is not None:
                it.setIcon(QIcon(to_pixmap(rgb)))

    # --- session events ------------------------------------------------------------------
    def _on_dataset_change(self) -> None:
        self.image.set_image(None)
        self.image.setPixmap(QPixmap())
        self.image.setText(EMPTY_HINT)
        self.caption.clear()
        self.neighbours_title.clear()
        self.neighbours.clear()
        self.neighbours.setVisible(False)  # a hint, not an empty list box

    def _on_focus_change(self) -> None:
        s = self.session
        if s.focus is None or s.dataset is None:
            self._on_dataset_change()
            return
        i = s.focus
        self.neighbours.setVisible(True)
        item = s.dataset.items[i]
        idx, dist = s.neighbours
        if self._is_images():
            head = f"<b>{html.escape(self._label(i))}</b><br>{html.escape(_shown_path(item, s.dataset.source))}<br>"
            tail = f" · label <i>{html.escape(s.dataset.labels[i])}</i>" + _fields_html(s.dataset, i)
            self.caption.setToolTip(display_path(item))
            self.caption.setText(head + "…" + tail)
            self.image.setText("")
            # Size and format need the file: read it off the GUI thread, with the picture.
            self.runner.submit("focus-image", focus_details, item, 320, title="Image",
                               on_partial=lambda part: self._set_focus_details(part, head, tail))  # fmt: skip
        else:
            self.image.set_image(None)  # a resize must not bring the last picture back over the text
            self.image.setText(f"<span style='font-size:20pt'>{html.escape(item)}</span>")
            self.caption.setText(
                f"label <i>{html.escape(s.dataset.labels[i])}</i>" + _fields_html(s.dataset, i)
            )
            self.caption.setToolTip("")
            if "thumbs" in s.dataset.meta:  # a GAN sample: show the image it renders
                self.runner.submit("focus-image", s.dataset.meta["thumbs"], [i], 256, title="Image",
                                   on_partial=lambda part, i=i: self._set_sample_image(i, part.value))  # fmt: skip
        # Words read as similarity (as in the Words list: 1 = same direction); images as distance.
        words = s.dataset.kind == "words"
        self.neighbours_title.setText(
            f"{len(idx)} nearest neighbours in the full {s.dataset.embeddings.shape[1]}-d space "
            f"({'cosine similarity' if words else 'cosine distance'}){approximate_note(s.search_or_none)}:"
        )
        shown = 1.0 - np.asarray(dist, dtype=float) if words else dist
        captions = [f"{self._label(j)}\n{d:.3f}" if self._is_images() else f"{self._label(j)}  {d:.3f}"
                    for j, d in zip(idx, shown)]  # fmt: skip
        self._fill(self.neighbours, idx, captions, "neighbour-thumbs")
        self.tabs.setCurrentIndex(0)

    def _set_sample_image(self, index: int, chunk) -> None:
        if self.session.focus != index:
            return
        for i, rgb in chunk:
            if i == index and rgb is not None:
                pm = to_pixmap(rgb)
                self._focus_pixmap = pm.scaled(256, 256, Qt.KeepAspectRatio, Qt.SmoothTransformation)
                self.image.set_image(self._focus_pixmap)  # scaled down in a narrow dock, not cropped

    def _set_focus_details(self, part, head: str, tail: str) -> None:
        if part.label == "info":
            self.caption.setText(head + part.value + tail)
        elif part.value is not None:
            self._focus_pixmap = to_pixmap(part.value)
            self.image.set_image(self._focus_pixmap)

    def _on_selection_change(self) -> None:
        s = self.session
        idx = s.selected_indices
        if not len(idx):
            self.count.setText("No selection. Drag on the map to lasso points (Shift adds, Ctrl subtracts).")
            self.grid.clear()
            return
        shown = idx[:MAX_GRID]
        more = f" (showing the first {len(shown)})" if len(idx) > len(shown) else ""
        codes, names = s.dataset.label_codes()  # cached codes: no pass over a million label strings
        counts = np.bincount(codes[idx], minlength=len(names))
        top = ", ".join(
            f"{names[c]} {counts[c]}" for c in np.argsort(-counts, kind="stable")[:4] if counts[c]
        )
        self.count.setText(f"<b>{len(idx):,} selected</b>{more} — {top}")
        self._fill(self.grid, shown, [self._label(j) for j in shown], "selection-thumbs")
        self.tabs.setCurrentIndex(1)


def _shown_path(path: str, source: str) -> str:
    """The file's path inside the opened folder (the folder's own name first), so the caption reads
    'demo/cat/01.jpg' rather than a long cache path; the full path is the caption's tooltip."""
    if not source or source.startswith("builtin:"):
        return display_path(path)
    root = os.path.abspath(source)
    try:
        inside = os.path.commonpath([os.path.abspath(path), root]) == root
    except ValueError:  # on different drives (Windows): no common path
        inside = False
    if inside:
        name = os.path.basename(root)
        name = "demo" if name.startswith("demo-v") else name  # the built-in demo's cache folder
        return display_path(os.path.join(name, os.path.relpath(path, root)))
    return display_path(path)


def _fields_html(dataset, index: int) -> str:
    """A table map's columns for this row (none for folders, words, GAN samples)."""
    from html import escape

    from latentview.core.table_roles import row_fields

    rows = "".join(f"<tr><td><i>{escape(k)}</i></td><td>{escape(v[:200])}</td></tr>"
                   for k, v in row_fields(dataset, index))  # fmt: skip
    return f"<table cellspacing=2>{rows}</table>" if rows else ""
