"""Map settings ▸ Model ▸ "Add model…": an image model of the user's own.

ONNX files are read in the background (input layout and size, metadata props, candidate tensors); a
small dialog asks for what the file does not say (size, channel order, mean/std) and which tensor is the
embedding. TorchScript files are programs: they run only after a confirmation that says so. Added models
are remembered in the config dir (own_models' registry), so the combo lists them at the next launch.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from latentview.core.progress import Log
from latentview.qt.shell.features import Features
from latentview.services import own_models

FILE_FILTER = ("Image models (*.onnx *.pt *.pth *.ts *.torchscript);;ONNX (*.onnx);;"
               "TorchScript — a program (*.pt *.pth *.ts *.torchscript)")  # fmt: skip


def install(features: Features) -> None:
    window = features.window
    window.settings.addModelRequested.connect(lambda: ask_model(window))


def ask_model(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Add an image model", "", FILE_FILTER)
    if path:
        add_model_file(window, path)


def add_model_file(window, path: str) -> None:
    """Read the file off the GUI thread, then ask what is missing; the model is selected when added."""
    kind = own_models.file_kind(path)
    if kind is None:
        window.log.add(Log(f"{os.path.basename(path)}: choose an .onnx file (or TorchScript .pt).", "error"))
        return
    if kind == "torchscript":
        if confirm_code(window, path):
            _ask_and_add(window, own_models.OwnModel(path, kind), None, [])
        return
    window.runner.submit("add-model", own_models.describe_task, path, title="Reading model",
                         on_result=lambda r: _ask_and_add(window, own_models.OwnModel(path, kind), *r),
                         on_error=lambda msg: window.log.add(Log(msg, "error")))  # fmt: skip


def _ask_and_add(window, model: own_models.OwnModel, info, prep=None, missing=()) -> None:
    dialog = ModelDialog(window, model.path, info, prep or own_models.Preprocessing(), list(missing))
    if dialog.exec() != QDialog.Accepted:
        return
    model.prep = dialog.preprocessing()
    if info is not None:
        model.layer = dialog.output.currentData()
        model.layers = [[t.name, t.describe()] for t in info.tensors if t.dim]
    own_models.remember(model)
    window.settings.add_model_item(model.path, model.title)
    window.log.add(Log(f"Added model {model.title}", "info"))
    window.settings.model.setCurrentIndex(window.settings.model.findData(model.path))  # re-embeds


def confirm_code(parent, path: str) -> bool:
    """Ask (the shared dialog) before running a code-carrying model file; a yes is remembered by content."""
    from latentview.qt.common import trust_dialog
    from latentview.services.models import TrustNeeded

    if own_models.is_trusted(path):
        return True
    need = TrustNeeded(path, "TorchScript program", own_models.file_sha256(path), "")
    if not trust_dialog.confirm_code(parent, need):
        return False
    own_models.trust_code_file(path, remember=True)
    return True


def allowed_to_run(parent, ref: str) -> bool:
    """False when `ref` names a code-carrying file the user declines to run."""
    model, _layer = own_models.split_ref(ref)
    return own_models.file_kind(model) != "torchscript" or confirm_code(parent, model)


def _triple_text(values) -> str:
    return ", ".join(f"{v:.4g}" for v in values)


class ModelDialog(QDialog):
    """Preprocessing (prefilled from metadata props or defaults) and the embedding tensor."""

    def __init__(self, parent, path: str, info, prep: own_models.Preprocessing, missing: list[str]):
        super().__init__(parent)
        self.setWindowTitle(f"Add {os.path.basename(path)}")
        form = QFormLayout(self)
        if info is not None:
            dims = "×".join("?" if d is None else str(d) for d in info.input_shape)
            form.addRow("Input", QLabel(f"{info.input_name}: {dims} ({info.layout})"))
        names = {"size": "input size", "order": "channel order", "mean": "mean", "std": "std"}
        asked = ", ".join(names[m] for m in missing) + " (defaults below: please check)"
        form.addRow("Not in the file", QLabel(asked if missing else "nothing: all read from its metadata"))
        self.size = QSpinBox(minimum=8, maximum=2048, value=prep.size)
        self.size.setEnabled(info is None or not info.size)  # fixed by the graph
        self.order = QComboBox()
        self.order.addItems(["RGB", "BGR"])
        self.order.setCurrentText(prep.order)
        self.mean = QLineEdit(_triple_text(prep.mean))
        self.std = QLineEdit(_triple_text(prep.std))
        for w in (self.mean, self.std):
            w.setToolTip("Per channel, in 0–1 (ImageNet: 0.485, 0.456, 0.406 / 0.229, 0.224, 0.225)")
        if info is not None and info.raw_uint8:
            for w in (self.mean, self.std):
                w.setEnabled(False)
                w.setToolTip("This model takes 0–255 bytes and normalises them itself")
        form.addRow("Input size", self.size)
        form.addRow("Channel order", self.order)
        form.addRow("Mean", self.mean)
        form.addRow("Std", self.std)
        self.output = QComboBox()
        if info is not None:
            for t in info.tensors:
                if t.dim:
                    self.output.addItem(t.describe(), t.name)
            self.output.setCurrentIndex(max(0, self.output.findData(info.default)))
            self.output.setToolTip("The embedding: feature maps are averaged over space to one vector")
            form.addRow("Embedding", self.output)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def preprocessing(self) -> own_models.Preprocessing:
        return own_models.Preprocessing(self.size.value(), self.order.currentText(),
                                        own_models.parse_triple(self.mean.text()), own_models.parse_triple(self.std.text()))  # fmt: skip

    def _accept(self) -> None:
        try:
            prep = self.preprocessing()
        except ValueError:
            self.error.setText("Mean and std take one or three numbers, e.g. 0.485, 0.456, 0.406.")
            return
        if min(prep.std) <= 0:
            self.error.setText("Std must be above 0.")
            return
        self.accept()
