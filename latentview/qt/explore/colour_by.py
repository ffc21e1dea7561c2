"""Colour the map by label, cluster, group, kNN recall (trust) or a metadata column.

Reads the shared `ExploreState` (`AppState.explore`) and sets the state's `colour_source`, so a new
layout keeps the chosen colouring. A recolour is `MapView.set_colors`: no point is re-added.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox

from latentview.core.explore import ExploreState, metadata_columns
from latentview.core.label_layout import shorten
from latentview.qt.common.palette import categorical
from latentview.qt.shell.features import Features

NOISE_COLOR = QColor(190, 190, 190)
SEVERAL_COLOR = QColor(40, 40, 40)  # points in more than one group (none picked on top)
TRUST_BINS = np.array([0.2, 0.4, 0.6, 0.8])  # recall bins: <0.2, <0.4, <0.6, <0.8, ≥0.8
TRUST_COLORS = ["#d7191c", "#fdae61", "#e6d600", "#a6d96a", "#1a9641"]
TRUST_NAMES = ["recall < 0.2", "0.2 – 0.4", "0.4 – 0.6", "0.6 – 0.8", "≥ 0.8"]
SEQUENTIAL = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"]
MODE_TITLES = {"label": "Label (sub-folder)", "cluster": "Cluster", "group": "Group",
               "trust": "kNN recall (trust)"}  # fmt: skip


def cluster_colours(k: int) -> list[QColor]:
    """Categorical colours without the palette's greys, which would read as noise."""
    return [c for c in categorical(2 * k + 4) if c.saturation() > 40][:k]


def colours_for(window) -> tuple | None:
    """(codes, colours, names) for the current mode, or None to colour by label."""
    ex: ExploreState = window.state.explore
    ds = window.session.dataset
    if ds is None or ex.dataset_id != id(ds):
        return None
    mode = ex.colour_by
    if mode == "cluster" and ex.clustering is not None and ex.clustering.n_points == len(ds):
        c = ex.clustering
        sizes = c.sizes()
        names = ["noise"] + [f"{shorten(n, 20)} ({s})" for n, s in zip(c.names, sizes)]
        return c.labels + 1, [NOISE_COLOR, *cluster_colours(len(c))], names
    if mode == "group" and len(ex.groups):
        codes, names = ex.groups.codes(ex.top_group)
        colours = [NOISE_COLOR] + [QColor(g.color) if g.color else QColor("#1f77b4") for g in ex.groups]
        if not np.any(codes == len(colours)):
            names = names[:-1]  # no overlap on screen: no "several groups" entry in the legend
        return codes, [*colours, SEVERAL_COLOR], names
    if mode == "trust" and ex.trust is not None and len(ex.trust.recall) == len(ds):
        recall = ex.trust.recall
        codes = np.where(np.isnan(recall), len(TRUST_BINS) + 1, np.digitize(recall, TRUST_BINS)).astype(
            np.int32
        )
        if codes.max() <= len(TRUST_BINS):
            return codes, [QColor(h) for h in TRUST_COLORS], TRUST_NAMES
        return (
            codes,
            [*(QColor(h) for h in TRUST_COLORS), NOISE_COLOR],
            [*TRUST_NAMES, "added (not measured)"],
        )
    if mode.startswith("meta:") and mode[5:] in ds.meta:
        return meta_colours(ds.meta[mode[5:]])
    return None


def meta_colours(values, max_categories: int = 19) -> tuple:
    """Numbers with many values: 8 quantile bins on a sequential palette; else one colour per value."""
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu" and len(np.unique(arr)) > max_categories:
        edges = np.unique(np.nanquantile(arr.astype(float), np.linspace(0, 1, 9)[1:-1]))
        codes = np.digitize(arr, edges).astype(np.int32)
        lo = [float(np.nanmin(arr)), *edges]
        hi = [*edges, float(np.nanmax(arr))]
        names = [f"{a:.3g} – {b:.3g}" for a, b in zip(lo, hi)]
        return codes, [QColor(SEQUENTIAL[i * (len(SEQUENTIAL) - 1) // max(len(names) - 1, 1)])
                       for i in range(len(names))], names  # fmt: skip
    strs = np.asarray([str(v) for v in arr], dtype=object)
    uniq, inverse, counts = np.unique(strs, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(len(uniq), np.int32)
    rank[order] = np.arange(len(uniq))
    codes = np.minimum(rank[inverse], max_categories).astype(np.int32)
    names = [str(uniq[i]) for i in order[:max_categories]] + (["other"] if len(uniq) > max_categories else [])
    return codes, categorical(len(names)), names


class ColourByBox(QComboBox):
    """A view of `explore.colour_by`; its entries follow the dataset's metadata columns."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.explore: ExploreState = window.state.explore
        self.setToolTip("What the map's colours show")
        self.refill()
        self.currentIndexChanged.connect(self._picked)
        self.explore.colour_by_changed.connect(self._on_mode)
        window.session.dataset_changed.connect(self.refill)

    def refill(self) -> None:
        self.blockSignals(True)
        self.clear()
        for mode, title in MODE_TITLES.items():
            self.addItem(title, mode)
        for col in metadata_columns(self.window_.session.dataset):
            self.addItem(f"Metadata: {col}", f"meta:{col}")
        self.blockSignals(False)
        self._on_mode()

    def _picked(self, _i: int) -> None:
        self.explore.set_colour_by(self.currentData())

    def _on_mode(self) -> None:
        i = self.findData(self.explore.colour_by)
        if i >= 0 and i != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(i)
            self.blockSignals(False)


def recolour(window) -> None:
    s = window.session
    if s.dataset is None or s.coords is None or len(window.map.points) != len(s.dataset):
        return
    codes, colours, names = window.point_colours()
    window.map.set_colors(codes, colours, names)
    window.map.colour_codes = (np.asarray(codes), list(colours))


def install(features: Features) -> None:
    window, ex = features.window, features.state.explore
    features.state.colour_source = lambda: colours_for(window)
    for sig in (ex.colour_by_changed, ex.clusters_changed, ex.trust_changed, ex.groups.changed):
        sig.connect(lambda *_: recolour(window))
    window.session.coords_changed.connect(lambda _final: _remember_codes(window))


def _remember_codes(window) -> None:
    """The thumbnail frames use the point colours; keep them where the layer can read them."""
    if window.session.dataset is not None:
        codes, colours, _ = window.point_colours()
        window.map.colour_codes = (np.asarray(codes), list(colours))
