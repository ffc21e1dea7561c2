"""Drag and drop onto the window: a folder (or a file in it) opens as a map; features take what they
know first (an embeddings table, a word-vectors file) through `Features.on_drop`."""

from __future__ import annotations

import os

from PySide6.QtCore import QPointF, Qt, QTimer, QUrl


def dropped_folder(mime) -> str | None:
    for url in mime.urls() if mime.hasUrls() else []:
        path = url.toLocalFile()
        if os.path.isdir(path):
            return path
        if os.path.isfile(path):
            return os.path.dirname(path)
    return None


class DropTarget:
    """Mixed into MainWindow: its drag-and-drop events."""

    def dragEnterEvent(self, ev) -> None:
        if dropped_folder(ev.mimeData()):
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:
        if dropped_folder(ev.mimeData()):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        folder = dropped_folder(ev.mimeData())  # every path dropped (a table, a vectors file) gives one
        if not folder:
            return
        ev.acceptProposedAction()
        if any(handler(ev.mimeData()) for handler in self.features.drop_handlers):
            return  # e.g. an embeddings table (or a folder of Parquet shards): the Open Embeddings dialog
        if not len(self.state.explore.groups):
            self.open_folder(folder)
        else:  # ask after the drop has finished (a modal box inside a drop stalls the drag source)
            QTimer.singleShot(0, lambda: self.confirm_replace_map() and self.open_folder(folder))

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
