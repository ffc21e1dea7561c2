"""Status-bar progress (count, rate, ETA, Cancel) and the log dock that lists every skipped input."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QWidget

from latentview.core.progress import Log, Progress


class ProgressWidget(QWidget):
    """Follows the most recently started task that reports progress; Cancel cancels that task."""

    QUIET = {"neighbour-thumbs", "selection-thumbs", "focus-image", "hover-thumb"}

    def __init__(self, runner, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this task; finished work is kept in the cache")
        self.cancel_button.clicked.connect(self._cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self._key: str | None = None
        self._active: list[str] = []
        runner.started.connect(self._on_started)
        runner.progressed.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        self.setVisible(False)

    def _on_started(self, key: str, title: str) -> None:
        if key in self.QUIET:
            return
        if key in self._active:
            self._active.remove(key)
        self._active.append(key)
        self._key = key
        self.label.setText(title)
        self.bar.setRange(0, 0)
        self.setVisible(True)

    def _on_progress(self, key: str, p: Progress) -> None:
        if key != self._key:
            return
        if p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.bar.setFormat(f"{p.done:,}/{p.total:,}")
        else:
            self.bar.setRange(0, 0)
        self.label.setText(p.describe())

    def _on_finished(self, key: str, outcome: str) -> None:
        if key in self._active:
            self._active.remove(key)
        if key == self._key:
            self._key = self._active[-1] if self._active else None
            self.setVisible(self._key is not None)

    def _cancel(self) -> None:
        if self._key:
            key, what = self._key, self.label.text()
            self.runner.cancel(key)
            kept = (
                " Images embedded so far are cached; opening the folder again resumes."
                if key == "ingest"
                else ""
            )
            self.runner.logged.emit(key, Log(f"Cancelled: {what}.{kept}", "info"))

    @property
    def text(self) -> str:
        return self.label.text()


class LogPanel(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.setPlaceholderText("Skipped files and other messages appear here.")
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.entries: list[Log] = []

    def add(self, entry: Log) -> None:
        self.entries.append(entry)
        prefix = {"error": "✖ ", "warning": "⚠ "}.get(entry.level, "")
        self.appendPlainText(prefix + entry.message)
