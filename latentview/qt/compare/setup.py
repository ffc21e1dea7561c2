"""View ▸ Compare…: choose the space to put beside the current map, and the menu hook (`install`)."""

from __future__ import annotations

import os

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from latentview.qt.shell.features import Features

METHODS = ("umap", "tsne", "pca")


class SpaceDialog(QDialog):
    """Another layer or model of the same folder, another projection, or a table with the same ids."""

    def __init__(self, dataset, method: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare with…")
        from latentview.services.models import EMBEDDERS
        from latentview.services.own_models import split_ref

        is_folder = dataset.kind == "images" and os.path.isdir(dataset.source) and "table" not in dataset.meta
        self.encoder = QRadioButton("Another layer or model of the same folder (embedded again, cached)")
        self.projection = QRadioButton("Another projection of this map's space")
        self.table = QRadioButton("A table with the same ids (Parquet, Arrow, CSV, npy …)")
        self.encoder.setEnabled(is_folder)
        (self.encoder if is_folder else self.projection).setChecked(True)
        current = split_ref(dataset.model)[0] if dataset.model else ""
        self.model = QComboBox()
        self.model.setEditable(True)
        names = list(EMBEDDERS)
        if current and current not in names:
            names.insert(0, current)
        self.model.addItems(names)
        self.model.setCurrentText(current or names[0])
        self.layer = QComboBox()
        self.model.currentTextChanged.connect(self._fill_layers)
        self._fill_layers(self.model.currentText())
        self.proj = QComboBox()
        self.proj.addItems([m for m in METHODS])
        self.proj.setCurrentText("tsne" if method != "tsne" else "umap")
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.layout_method = QComboBox()
        self.layout_method.addItems(list(METHODS))
        self.layout_method.setCurrentText(method)
        form = QFormLayout()
        form.addRow(self.encoder)
        form.addRow("   Model", self.model)
        form.addRow("   Layer", self.layer)
        form.addRow(self.projection)
        form.addRow("   Projection", self.proj)
        form.addRow(self.table)
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.path, 1)
        h.addWidget(browse)
        form.addRow("   Table", row)
        form.addRow("Lay out the new space with", self.layout_method)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _fill_layers(self, model: str) -> None:
        from latentview.services.models import layers_for

        self.layer.clear()
        for name, title in layers_for(model):
            self.layer.addItem(title, name)
        self.layer.setCurrentIndex(0)  # raw pixels: the baseline is the first thing worth seeing

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A table with the same ids")
        if path:
            self.path.setText(path)
            self.table.setChecked(True)

    def choice(self) -> tuple[str, str, str]:
        """(kind, value, layout method) for CompareWindow.request."""
        from latentview.services.own_models import make_ref

        method = self.layout_method.currentText()
        if self.encoder.isChecked():
            return "encoder", make_ref(self.model.currentText(), self.layer.currentData()), method
        if self.projection.isChecked():
            return "projection", self.proj.currentText(), method
        return "table", self.path.text(), method


class CompareLauncher:
    """The one comparison window of the main window (View ▸ Compare…), kept while its map is shown."""

    def __init__(self) -> None:
        self.current = None  # the CompareWindow last opened
        self.sweep = None  # the layers-sweep dialog last opened


def open_compare(window):
    """The comparison of the current map (a new one when the map changed); None without a map."""
    from latentview.qt.compare.window import CompareWindow

    launcher = window.feature(CompareLauncher)
    s = window.session
    if s.dataset is None or s.coords is None or len(s.dataset) < 3:
        window.statusBar().showMessage(
            "Open a map first: Compare puts other spaces of its items beside it.", 8000
        )
        return None
    current = launcher.current
    if current is None or current.dataset is not s.dataset:
        if current is not None:
            current.close()
        current = launcher.current = CompareWindow(window)
    current.show()
    current.raise_()
    return current


def install(features: Features) -> None:
    window = features.window
    features.provide(CompareLauncher())

    def compare() -> None:
        cw = open_compare(window)
        if cw is not None and len(cw.spaces) == 1:
            cw.ask_space()

    def sweep() -> None:
        from latentview.qt.compare.sweep import open_sweep

        open_sweep(window, window)

    features.action(
        "view", "windows", QAction("&Compare…", window, shortcut="Ctrl+Shift+C", triggered=compare), 0
    )
    features.action("view", "windows", QAction("Layers S&weep…", window, triggered=sweep), 1)
