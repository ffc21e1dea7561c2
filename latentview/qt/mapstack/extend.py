"""Add to the map: opening the folder already on the map, with new images in it, places the new
points into the current layout (core/extend.py) without moving the old ones, keeps clusters, groups
and the view, selects and marks the new points, and offers View ▸ Re-layout Map as an explicit step."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtGui import QAction

from latentview.core.clusters import Clustering
from latentview.core.extend import extend_labels, extend_map
from latentview.core.progress import Log
from latentview.qt.shell.features import Features


def can_extend(window, fresh) -> bool:
    """The fresh dataset is the folder on the map, same model, and the map has a final layout."""
    s = window.session
    old = s.dataset
    return (
        old is not None
        and s.coords is not None
        and old.kind == fresh.kind == "images"
        and bool(old.source)
        and os.path.abspath(old.source) == os.path.abspath(fresh.source)
        and old.model == fresh.model
        and not window.runner.is_running("project")
    )


def extend_current_map(window, fresh) -> bool:
    """Returns True when `fresh` was merged into the current map (the caller then shows nothing new)."""
    if not can_extend(window, fresh):
        return False
    s, ex = window.session, window.state.explore
    ext = extend_map(s.dataset, s.coords, fresh)
    if ext.n_new == 0 and len(ext.keep) == len(s.dataset):
        window.log.add(Log("No new images: the map is unchanged", "info"))
        window.mapReady.emit(s.projection)  # the map asked for is on screen (waiters, --screenshot)
        return True
    clustering = _carry_clusters(ex.clustering, s.dataset, ext)
    groups = [(g.name, ext.carry(g.mask, False), g.color) for g in ex.groups]
    view = window.map.viewbox.viewRange()
    method = s.projection
    s.set_dataset(ext.dataset)
    ex.set_clustering(clustering)
    for name, mask, colour in groups:
        ex.groups.add(name, mask, colour)
    s.set_coords(ext.coords, method, final=True)
    window.map.viewbox.setRange(xRange=view[0], yRange=view[1], padding=0)
    if ext.n_new:
        s.select_indices(np.flatnonzero(ext.is_new))
    msg = (f"{ext.n_new} new images placed on the map without moving the others (selected; colour by "
           f"'new' to see them); View ▸ Re-layout Map recomputes the whole layout")  # fmt: skip
    window.log.add(Log(msg, "info"))
    window.statusBar().showMessage(msg, 15000)
    window.mapReady.emit(method)
    return True


def _carry_clusters(clustering: Clustering | None, old, ext) -> Clustering | None:
    if clustering is None or clustering.n_points != len(old):
        return None
    labels = ext.carry(clustering.labels, -1)
    if ext.n_new:
        kept = old.embeddings[ext.keep]
        labels[ext.is_new] = extend_labels(
            kept, clustering.labels[ext.keep], ext.dataset.embeddings[ext.is_new]
        )
    params = {**clustering.params, "extended": ext.n_new}
    return Clustering(labels, list(clustering.names), clustering.method, params, clustering.seconds,
                      list(clustering.levels))  # fmt: skip


class Relayout(QAction):
    """View ▸ Re-layout Map: the whole layout computed again (new points were placed into the old one)."""


def install(features: Features) -> None:
    window = features.window
    features.on_ingested(lambda fresh: extend_current_map(window, fresh))
    relayout = features.provide(Relayout("Re-layout Map", window, shortcut="Ctrl+Shift+L"))
    relayout.setToolTip("Recompute the whole layout (new points were placed into the old one)")

    def run() -> None:
        if window.session.dataset is not None:
            window.reproject(window.settings.params())

    relayout.triggered.connect(run)
    features.action("view", "panels", relayout, 70)
