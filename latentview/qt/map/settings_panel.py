"""Map settings dock: which encoder embeds images and at which layer, which projection lays out the map
and its parameters. The encoder is one reference string (`model` or `model#layer`, see own_models)."""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latentview.qt.common.widgets import ElidingComboBox
from latentview.services import own_models
from latentview.services.models import DEFAULT_MODEL, EMBEDDERS, layers_for
from latentview.services.projection import DEFAULT_PARAMS, ProjectionParams


class MapSettingsPanel(QWidget):
    projectionRequested = Signal(object)  # ProjectionParams
    modelChanged = Signal(str)  # an encoder reference: model, with '#layer' for a non-default layer
    labelModeChanged = Signal(int)  # label depth: 1 = first folder level, 0 = full relative folder path
    addModelRequested = Signal()  # "Add model…" was chosen

    ADD = "__add__"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._build_encoder()
        self._build_projection()
        self.labels = QComboBox()
        self.labels.addItem("First folder level", 1)
        self.labels.addItem("Full folder path", 0)
        self.labels.setToolTip("Nested folders: label each image by its first sub-folder (cats) or its "
                               "whole folder path (cats/indoor). Changes the colours, not the embedding.")  # fmt: skip
        self.labels.currentIndexChanged.connect(lambda _: self.labelModeChanged.emit(self.label_depth))
        self.apply = QPushButton("Apply projection")
        self.apply.clicked.connect(lambda: self.projectionRequested.emit(self.params()))
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Layer", self.layer)
        form.addRow("Labels", self.labels)
        form.addRow("Projection", self.method)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.stack)
        lay.addWidget(self.apply)
        lay.addStretch(1)

    def _build_encoder(self) -> None:
        """The model combo (built-ins, models added in earlier launches, "Add model…") and its layers."""
        self.model = ElidingComboBox()
        for spec in EMBEDDERS.values():
            self.model.addItem(spec.title, spec.name)
        for own in own_models.load_registry():  # models added in earlier launches
            self.model.addItem(own.title, own.path)
        self.model.addItem("Add model…", self.ADD)
        self.model.setCurrentIndex(self.model.findData(DEFAULT_MODEL))
        self._shown_model = DEFAULT_MODEL
        self.model.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(18)  # long titles elide; the dock stays narrow
        self.model.setToolTip("Image encoder. Changing it re-embeds the current folder (cached per model "
                              "and layer). Add model… takes an ONNX image model of your own.")  # fmt: skip
        self.model.currentIndexChanged.connect(self._on_model_index)
        self.layer = QComboBox()
        self.layer.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setMinimumContentsLength(18)
        self.layer.setToolTip("Which layer's output is the embedding: raw pixels (the baseline), the "
                              "network's stages, or its last layer. Watch images separate as you go deeper.")  # fmt: skip
        self._fill_layers(DEFAULT_MODEL)
        self.layer.currentIndexChanged.connect(lambda _: self.modelChanged.emit(self.model_name))

    def _build_projection(self) -> None:
        """The method combo and a stack of per-method parameter forms (UMAP, t-SNE, none for PCA)."""
        self.method = QComboBox()
        for name, title in (("umap", "UMAP"), ("tsne", "t-SNE"), ("pca", "PCA")):
            self.method.addItem(title, name)
        self.stack = QStackedWidget()
        self.n_neighbors = QSpinBox(minimum=2, maximum=200, value=DEFAULT_PARAMS["umap"]["n_neighbors"])
        self.min_dist = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05,
                                       value=DEFAULT_PARAMS["umap"]["min_dist"])  # fmt: skip
        self.perplexity = QDoubleSpinBox(minimum=2.0, maximum=200.0, singleStep=5.0,
                                         value=DEFAULT_PARAMS["tsne"]["perplexity"])  # fmt: skip
        umap_form, tsne_form, pca_form = QWidget(), QWidget(), QWidget()
        f = QFormLayout(umap_form)
        f.addRow("Neighbours", self.n_neighbors)
        f.addRow("Min. distance", self.min_dist)
        QFormLayout(tsne_form).addRow("Perplexity", self.perplexity)
        QFormLayout(pca_form)
        self._forms = {"umap": umap_form, "tsne": tsne_form, "pca": pca_form}
        for w in self._forms.values():
            self.stack.addWidget(w)
        self.method.currentIndexChanged.connect(
            lambda _: self.stack.setCurrentWidget(self._forms[self.method.currentData()])
        )

    @property
    def label_depth(self) -> int:
        return int(self.labels.currentData())

    @property
    def model_name(self) -> str:
        """The encoder reference: the chosen model, '#layer' appended for a non-default layer."""
        return own_models.make_ref(self._shown_model, self.layer.currentData())

    def _on_model_index(self, _index: int) -> None:
        if self.model.currentData() is None:  # cleared or no entry
            return
        if self.model.currentData() == self.ADD:
            self._select(self._shown_model)  # the entry is an action, not a model
            self.addModelRequested.emit()
            return
        self._shown_model = self.model.currentData()
        self.layer.blockSignals(True)
        self._fill_layers(self._shown_model)
        self.layer.blockSignals(False)
        self.modelChanged.emit(self.model_name)

    def _fill_layers(self, model: str) -> None:
        self.layer.clear()
        for name, title in layers_for(model):
            self.layer.addItem(title, name)
        self.layer.setCurrentIndex(self.layer.count() - 1)  # the default: the last layer

    def _select(self, model: str) -> None:
        self.model.blockSignals(True)
        self.model.setCurrentIndex(self.model.findData(model))
        self.model.blockSignals(False)

    def add_model_item(self, path: str, title: str) -> None:
        """Put a model file in the combo (before "Add model…"), once."""
        if self.model.findData(path) < 0:
            self.model.insertItem(self.model.count() - 1, title, path)

    def set_model(self, name: str) -> None:
        """Show an encoder reference without emitting (a model file not listed yet is added)."""
        model, layer = own_models.split_ref(name or DEFAULT_MODEL)
        if self.model.findData(model) < 0:
            if model in EMBEDDERS:  # registered after the panel was built (plug-ins, tests)
                self.add_model_item(model, EMBEDDERS[model].title)
            elif own_models.file_kind(model):
                self.add_model_item(model, os.path.basename(model))
            else:
                return
        self._select(model)
        self._shown_model = model
        self.layer.blockSignals(True)
        self._fill_layers(model)
        if layer is not None and self.layer.findData(layer) < 0:
            self.layer.addItem(layer, layer)  # a tensor named on the command line or in a session
        self.layer.setCurrentIndex(self.layer.findData(layer) if layer else self.layer.count() - 1)
        self.layer.blockSignals(False)

    def set_method(self, method: str) -> None:
        self.method.setCurrentIndex(self.method.findData(method))

    def params(self) -> ProjectionParams:
        method = self.method.currentData()
        opts = {}
        if method == "umap":
            opts = {"n_neighbors": self.n_neighbors.value(), "min_dist": self.min_dist.value()}
        elif method == "tsne":
            opts = {"perplexity": self.perplexity.value()}
        return ProjectionParams(method, opts)
