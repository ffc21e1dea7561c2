"""Clusters dock: cluster in the full space (HDBSCAN or k-means), a named list with sizes, names on
the map at each cluster's centre; clicking a name selects the cluster. Runs after every new map.
"""

from __future__ import annotations

import numpy as np
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
from latentview.qt.explore.cluster_names import ClusterNames
from latentview.qt.explore.colour_by import ColourByBox, cluster_colours
from latentview.qt.shell.features import Features


def swatch(color: QColor, size: int = 12) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(color)
    return QIcon(pm)


class ClustersPanel(QWidget):
    clusterRequested = Signal(object)  # ClusterParams
    clusterActivated = Signal(object)  # a cluster id (or ids) was clicked: select it

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.explore: ExploreState = window.state.explore
        self.method = QComboBox()
        self.method.addItem("HDBSCAN (finds the number)", "hdbscan")
        self.method.addItem("k-means (choose k)", "kmeans")
        self.min_size = QSpinBox(minimum=0, maximum=100_000, value=0, specialValueText="auto")
        self.min_size.setToolTip("HDBSCAN's smallest cluster; auto is ~⅓·√N points (at least 5)")
        self.k = QSpinBox(minimum=2, maximum=500, value=10)
        self.space = QComboBox()
        self.space.addItem("auto (UMAP-10 up to 20k points)", "auto")
        self.space.addItem("UMAP, 10-d", "umap")
        self.space.addItem("PCA, 50-d (fast)", "pca")
        self.space.setToolTip("Where clusters are found: a 10-d UMAP of the embeddings covers varied folders far "
                              "better than the raw space; never the 2-D map")  # fmt: skip
        self.selection = QComboBox()
        self.selection.addItem("fewer, larger (eom)", "eom")
        self.selection.addItem("finer (leaf)", "leaf")
        self.leftovers = QCheckBox("Assign leftovers to the nearest cluster")
        self.leftovers.setToolTip("Every point joins a cluster: unclustered points take their nearest "
                                  "clustered neighbour's")  # fmt: skip
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
        form.addRow("Space", self.space)
        form.addRow("HDBSCAN", self.selection)
        form.addRow(self.leftovers)
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
        for w in (self.min_size, self.selection, self.leftovers):
            w.setEnabled(not km)

    def params(self):
        from latentview.services.clusters import ClusterParams

        return ClusterParams(self.method.currentData(), self.min_size.value() or None, self.k.value(),
                             space=self.space.currentData(), selection=self.selection.currentData(),
                             assign_leftovers=self.leftovers.isChecked())  # fmt: skip

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
            share = c.n_noise / max(1, c.n_points)
            it = QListWidgetItem(
                swatch(QColor(190, 190, 190)), f"unclustered  —  {c.n_noise:,} ({share:.0%})"
            )
            it.setData(Qt.UserRole, -1)
            it.setToolTip(
                "Points in no cluster. Click to select them; 'Assign leftovers' gives each one a cluster."
            )
            self.list.addItem(it)
        params = ", ".join(f"{k} {v}" for k, v in c.params.items())
        self.status.setText(f"<b>{len(c)} clusters</b> · <b>{c.coverage:.0%}</b> of points in a cluster, "
                            f"{c.n_noise / max(1, c.n_points):.0%} unclustered · {c.method.upper()} ({params})"
                            + (f" · {c.seconds:.1f} s" if c.seconds else ""))  # fmt: skip

    def _on_trust(self) -> None:
        t = self.explore.trust
        if t is None:
            self.trust.setText("")
            return
        approx = "" if t.exact else " (estimated)"
        self.trust.setText(f"Trustworthiness <b>{t.trustworthiness:.3f}</b>{approx} · mean {t.k}-NN "
                           f"recall <b>{float(np.nanmean(t.recall)):.2f}</b>")  # fmt: skip


class ClusterControl:
    """Runs clustering (the Cluster button, and automatically after every new map) and keeps the panel's
    controls suited to the kind of map; offered to other features as `ClusterControl.run`."""

    def __init__(self, window, panel: ClustersPanel, names: ClusterNames):
        self.window, self.panel, self.names = window, panel, names
        self.state = window.state
        self.session = window.session

    def run(self, params=None, auto: bool = False) -> None:
        from latentview.services.clusters import cached_clusters

        s, ex, window = self.session, self.state.explore, self.window
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
                # The user's folder labels stay the colouring (words their frequency bands); clusters
                # only colour a map without labels.
                if ex.colour_by == "label" and ds.kind != "words" and len(set(ds.labels)) < 2:
                    ex.set_colour_by("cluster")

        self.panel.status.setText("Clustering in the background…")
        if auto and ds.kind == "words":  # topics by k-means, k scaled to N (services.words explains why)
            from latentview.services.words import cluster_words

            window.runner.submit("clusters", cluster_words, ds, on_result=done, title="Clustering")
            return
        window.runner.submit("clusters", cached_clusters, ds, params or self.panel.params(), on_result=done,
                             title="Clustering")  # fmt: skip

    def auto(self, _method: str) -> None:
        s = self.session
        if (
            self.state.explore.clustering is None
            and not self.window.runner.is_running("clusters")
            and self.state.auto_cluster
            and s.dataset is not None
            and s.dataset.kind != "gan"  # Gaussian samples have no clusters to find
        ):
            self.run(auto=True)

    def activate(self, cluster) -> None:
        """One cluster id, or the ids of a coarser group of clusters."""
        c = self.state.explore.clustering
        if c is not None:
            self.session.select_indices(np.flatnonzero(np.isin(c.labels, np.atleast_1d(cluster))))

    def suit_words(self) -> None:
        """On a word map the Cluster button offers what the automatic run does (k-means topics), and
        topic names stay off the map until asked for: the words are the map's labels, and boxes over
        them hide the very words a search or analogy shows (on PCA and word-pair axes they pile up
        in the middle). The topics are in this list; Colour by ▸ Cluster shows them on the map."""
        ds, panel = self.session.dataset, self.panel
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


def install(features: Features) -> None:
    window = features.window
    panel = features.provide(ClustersPanel(window))
    names = features.provide(ClusterNames(window))
    control = features.provide(ClusterControl(window, panel, names))
    features.panel("Clusters", panel, "left", 30, view_order=30)
    ex, s = features.state.explore, window.session
    names.on_click = control.activate
    panel.clusterRequested.connect(control.run)
    panel.clusterActivated.connect(control.activate)
    panel.show_names.toggled.connect(names.set_visible)
    window.mapReady.connect(control.auto)
    s.dataset_changed.connect(control.suit_words)
    ex.clusters_changed.connect(names.refresh)
    ex.colour_by_changed.connect(names.refresh)  # frames follow the colouring (one colour code)
    s.coords_changed.connect(lambda _final: names.refresh())
    s.dataset_changed.connect(names.refresh)
    window.map.viewbox.sigRangeChanged.connect(lambda *_: names.on_range_changed())
