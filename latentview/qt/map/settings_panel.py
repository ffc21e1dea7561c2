"""Map settings dock: which encoder embeds images, which projection lays out the map and its parameters."""

from __future__ import annotations

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

from latentview.backends.embedders import DEFAULT_MODEL, EMBEDDERS
from latentview.backends.projectors import DEFAULT_PARAMS, ProjectionParams
from latentview.qt.common.widgets import ElidingComboBox


class MapSettingsPanel(QWidget):
    projectionRequested = Signal(object)  # ProjectionParams
    modelChanged = Signal(str)
    labelModeChanged = Signal(int)  # label depth: 1 = first folder level, 0 = full relative folder path

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = ElidingComboBox()
        for spec in EMBEDDERS.values():
            self.model.addItem(spec.title, spec.name)
        self.model.setCurrentIndex(self.model.findData(DEFAULT_MODEL))
        self.model.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(18)  # long titles elide; the dock stays narrow
        self.model.setToolTip("Image encoder; its penultimate layer is the embedding. "
                              "Changing it re-embeds the current folder (cached per model).")  # fmt: skip
        self.model.currentIndexChanged.connect(lambda _: self.modelChanged.emit(self.model_name))
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
        form.addRow("Labels", self.labels)
        form.addRow("Projection", self.method)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.stack)
        lay.addWidget(self.apply)
        lay.addStretch(1)

    @property
    def label_depth(self) -> int:
        return int(self.labels.currentData())

    @property
    def model_name(self) -> str:
        return self.model.currentData()

    def set_model(self, name: str) -> None:
        i = self.model.findData(name)
        if i >= 0:
            self.model.blockSignals(True)
            self.model.setCurrentIndex(i)
            self.model.blockSignals(False)

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
