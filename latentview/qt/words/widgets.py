"""Small widgets of the Words dock: vocabulary-wide prefix completion and vectors-file drops."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit

from latentview.services.words import VECTOR_SUFFIXES


class PrefixCompleter(QCompleter):
    """Completion from the whole vocabulary, most frequent first (binary search, not a 400k model)."""

    def __init__(self, panel, edit: QLineEdit):
        self._model = QStringListModel()
        super().__init__(self._model, edit)
        self.panel = panel
        self.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        self.setCaseSensitivity(Qt.CaseInsensitive)
        self.setMaxVisibleItems(12)
        edit.setCompleter(self)
        edit.textEdited.connect(self.update_for)

    def update_for(self, text: str) -> None:
        space = self.panel.space
        self._model.setStringList(space.complete(text) if space is not None and text.strip() else [])
        if self._model.rowCount():
            self.complete()

    def candidates(self) -> list[str]:
        return self._model.stringList()


class VectorsDropFilter(QObject):
    """Takes drops of one vectors file (by extension) before the window's image-folder drop."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel

    @staticmethod
    def _path(ev) -> str | None:
        mime = ev.mimeData()
        urls = mime.urls() if mime is not None and mime.hasUrls() else []
        if len(urls) == 1:
            path = urls[0].toLocalFile()
            if os.path.isfile(path) and path.lower().endswith(VECTOR_SUFFIXES):
                return path
        return None

    def eventFilter(self, obj, ev) -> bool:
        kind = ev.type()
        if kind in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            path = self._path(ev)
            if path is not None:
                ev.acceptProposedAction()
                if kind == QEvent.Drop:
                    self.panel.open_file(path)  # a pickle still asks first
                return True
        return False
