"""Clusters dock: cluster in the full space (HDBSCAN or k-means), a named list with sizes, names on
the map at each cluster's centre; clicking a name selects the cluster. Runs after every new map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latentview.core.explore import ExploreState
from latentview.qt.explore.colour_by import ColourByBox, cluster_colours

MAX_MAP_NAMES = 30


def swatch(color: QColor, size: int = 12) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(color)
    return QIcon(pm)


class ClustersPanel(QWidget):
    clusterRequested = Signal(object)  # ClusterParams
    clusterActivated = Signal(int)  # a cluster id was clicked: select it

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.explore: ExploreState = window.explore
        self.method = QComboBox()
        self.method.addItem("HDBSCAN (finds the number)", "hdbscan")
        self.method.addItem("k-means (choose k)", "kmeans")
        self.min_size = QSpinBox(minimum=0, maximum=100_000, value=0, specialValueText="auto")
        self.min_size.setToolTip("HDBSCAN's smallest cluster; auto is ~1 % of the points (at least 5)")
        self.k = QSpinBox(minimum=2, maximum=500, value=10)
        self.run_button = QPushButton("Cluster")
        self.run_button.setToolTip("Cluster in the full embedding space (not the 2-D map)")
        self.run_button.clicked.connect(lambda: self.clusterRequested.emit(self.params()))
        self.method.currentIndexChanged.connect(self._method_changed)
        self.status = QLabel("Clusters appear here after a map is made.")
        self.status.setWordWrap(True)
        self.list = QListWidget()
        self.list.itemClicked.connect(lambda it: self.clusterActivated.emit(int(it.data(Qt.UserRole))))
        self.show_names = QCheckBox("Names on the map", checked=True)
        self.colour_by = ColourByBox(window)
        self.trust = QLabel()
        self.trust.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Min. size", self.min_size)
        form.addRow("k", self.k)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.show_names)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(self.list, 1)
        colour_form = QFormLayout()
        colour_form.addRow("Colour by", self.colour_by)
        lay.addLayout(colour_form)
        lay.addWidget(self.trust)
        self._method_changed()
        self.explore.clusters_changed.connect(self._on_clusters)
        self.explore.trust_changed.connect(self._on_trust)

    def _method_changed(self) -> None:
        km = self.method.currentData() == "kmeans"
        self.k.setEnabled(km)
        self.min_size.setEnabled(not km)

    def params(self):
        from latentview.services.clusters import ClusterParams

        return ClusterParams(self.method.currentData(), self.min_size.value() or None, self.k.value())

    def _on_clusters(self) -> None:
        self.list.clear()
        c = self.explore.clustering
        if c is None:
            self.status.setText("Not clustered yet.")
            return
        sizes = c.sizes()
        colours = cluster_colours(len(c))
        for i, (name, size) in enumerate(zip(c.names, sizes)):
            it = QListWidgetItem(swatch(colours[i]), f"{name}  —  {size:,}")
            it.setData(Qt.UserRole, i)
            it.setToolTip(f"Cluster {i + 1}: {name} ({size:,} points). Click to select.")
            self.list.addItem(it)
        if c.n_noise:
            it = QListWidgetItem(swatch(QColor(190, 190, 190)), f"noise  —  {c.n_noise:,}")
            it.setData(Qt.UserRole, -1)
            self.list.addItem(it)
        params = ", ".join(f"{k} {v}" for k, v in c.params.items())
        self.status.setText(f"<b>{len(c)} clusters</b> · {c.method.upper()} ({params})"
                            + (f" · {c.seconds:.1f} s" if c.seconds else ""))  # fmt: skip

    def _on_trust(self) -> None:
        t = self.explore.trust
        if t is None:
            self.trust.setText("")
            return
        approx = "" if t.exact else " (estimated)"
        self.trust.setText(f"Trustworthiness <b>{t.trustworthiness:.3f}</b>{approx} · mean {t.k}-NN "
                           f"recall <b>{float(np.nanmean(t.recall)):.2f}</b>")  # fmt: skip


class _NameItem(pg.TextItem):
    """A cluster's name on the map; clicking it selects the cluster (the click goes no further)."""

    def __init__(self, text: str, cluster: int, on_click, **kwargs):
        super().__init__(text, **kwargs)
        self.cluster, self.on_click = cluster, on_click
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Click to select this cluster")

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.LeftButton and self.on_click is not None:
            ev.accept()
            self.on_click(self.cluster)


class ClusterNames:
    """Cluster names drawn on the map at each cluster's centre (the largest MAX_MAP_NAMES)."""

    def __init__(self, window, visible: bool = True):
        self.window = window
        self.items: list[pg.TextItem] = []
        self.visible = visible
        self.on_click = None  # set by install(): select the clicked cluster

    def set_visible(self, on: bool) -> None:
        self.visible = on
        self.refresh()

    def refresh(self) -> None:
        plot = self.window.map
        for it in self.items:
            plot.removeItem(it)
        self.items = []
        s, c = self.window.session, self.window.explore.clustering
        if not self.visible or c is None or s.coords is None or c.n_points != len(s.coords):
            return
        centres = c.centres(s.coords)
        colours = cluster_colours(len(c))
        for i in range(min(len(c), MAX_MAP_NAMES)):
            if not np.all(np.isfinite(centres[i])):
                continue
            border = pg.mkPen(colours[i], width=2)
            it = _NameItem(c.names[i], i, self.on_click, color=(20, 20, 20), anchor=(0.5, 1.3),
                           border=border, fill=pg.mkBrush(255, 255, 255, 215))  # fmt: skip
            font = it.textItem.font()
            font.setPointSize(9)
            font.setBold(True)
            it.setFont(font)
            it.setPos(*centres[i])
            it.setZValue(40)
            plot.addItem(it, ignoreBounds=True)
            self.items.append(it)

    def texts(self) -> list[str]:
        return [it.toPlainText() for it in self.items]


def install(window) -> None:
    panel = window.clusters_panel = ClustersPanel(window)
    names = window.cluster_names = ClusterNames(window)
    window.add_panel("Clusters", panel, Qt.LeftDockWidgetArea)
    ex, s = window.explore, window.session

    def run(params=None, auto: bool = False) -> None:
        from latentview.services.clusters import cluster_dataset

        ds = s.dataset
        if ds is None or len(ds) < 2:
            return

        def done(clustering, ds=ds):
            if s.extends(ds):  # words were added while it ran: they join their nearest word's cluster
                from latentview.core.rows import joined_labels

                clustering = clustering.extended(joined_labels(clustering.labels, s.rows_since(ds)))
                ds = s.dataset
            if s.dataset is ds:
                ex.set_clustering(clustering)
                if ex.colour_by == "label" and ds.kind != "words":  # words keep their frequency bands
                    ex.set_colour_by("cluster")

        panel.status.setText("Clustering in the background…")
        if auto and ds.kind == "words":  # topics by k-means, k scaled to N (services.words explains why)
            from latentview.services.words import cluster_words

            window.runner.submit("clusters", cluster_words, ds, on_result=done, title="Clustering")
            return
        window.runner.submit("clusters", cluster_dataset, ds, params or panel.params(), on_result=done,
                             title="Clustering")  # fmt: skip

    def auto(_method: str) -> None:
        if (
            ex.clustering is None
            and not window.runner.is_running("clusters")
            and getattr(window, "auto_cluster", True)
            and s.dataset is not None
            and s.dataset.kind != "gan"  # Gaussian samples have no clusters to find
        ):
            run(auto=True)

    def activate(cluster: int) -> None:
        c = ex.clustering
        if c is not None:
            s.select_indices(np.flatnonzero(c.labels == cluster))

    window.run_clustering = run
    names.on_click = activate
    panel.clusterRequested.connect(run)
    panel.clusterActivated.connect(activate)
    panel.show_names.toggled.connect(names.set_visible)
    window.mapReady.connect(auto)

    def suit_words() -> None:
        """On a word map the Cluster button offers what the automatic run does (k-means topics), and
        topic names stay off the map until asked for: the words are the map's labels, and boxes over
        them hide the very words a search or analogy shows (on PCA and word-pair axes they pile up
        in the middle). The topics are in this list; Colour by ▸ Cluster shows them on the map."""
        ds = s.dataset
        words = ds is not None and ds.kind == "words"
        saved = getattr(panel, "_before_words", None)  # (method, k) the user had before a word map
        if words:
            from latentview.services.words import topic_count

            if saved is None:
                panel._before_words = (panel.method.currentIndex(), panel.k.value())
            panel.method.setCurrentIndex(panel.method.findData("kmeans"))
            panel.k.setValue(topic_count(len(ds)))
        elif saved is not None:  # back to images or a table: their clustering as the user left it
            panel._before_words = None
            panel.method.setCurrentIndex(saved[0])
            panel.k.setValue(saved[1])
        if words == panel.show_names.isChecked() and (words or getattr(panel, "_names_off_for_words", False)):
            panel._names_off_for_words = words
            panel.show_names.setChecked(not words)

    s.dataset_changed.connect(suit_words)
    ex.clusters_changed.connect(names.refresh)
    s.coords_changed.connect(lambda _final: names.refresh())
    s.dataset_changed.connect(names.refresh)
