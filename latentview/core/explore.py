"""What the user has found on the current map beside the selection: clusters, groups, trust, colouring.

Lives beside `Session` (which it follows): set on a new dataset, cleared with it. Panels subscribe to
its signals and never talk to each other, as with the session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentview.core.clusters import Clustering
from latentview.core.events import Signal
from latentview.core.groups import GroupSet
from latentview.core.rows import AddedRows, joined_labels

COLOUR_MODES = ("label", "cluster", "group", "trust")  # plus "meta:<column>"


@dataclass
class TrustResult:
    k: int
    recall: np.ndarray  # (N,) in [0, 1]
    trustworthiness: float
    high_knn: np.ndarray  # (N, k) full-space neighbours (for the lines drawn from a clicked point)
    exact: bool = True  # False: neighbours from a PCA-reduced space or a sampled estimate
    seconds: float = 0.0


class ExploreState:
    def __init__(self) -> None:
        self.dataset_id: int | None = None
        self.clustering: Clustering | None = None
        self.groups = GroupSet()
        self.trust: TrustResult | None = None
        self.colour_by = "label"
        self.top_group: str | None = None  # the group drawn over overlaps (the one picked in the panel)
        self.clusters_changed = Signal()  # ()
        self.trust_changed = Signal()  # ()
        self.colour_by_changed = Signal()  # ()

    def reset(self, dataset) -> None:
        self.dataset_id = None if dataset is None else id(dataset)
        self.clustering = None
        self.trust = None
        self.groups.reset(0 if dataset is None else len(dataset))
        self.clusters_changed.emit()
        self.trust_changed.emit()
        if self.colour_by in ("cluster", "trust") or self.colour_by.startswith("meta:"):
            self.set_colour_by("label")

    def extend(self, dataset, added: AddedRows) -> None:
        """Rows were added (a word searched off the map): keep groups, clusters and trust for the old
        rows; new rows join their nearest row's cluster (or none), are in no group, and have no recall."""
        self.dataset_id = id(dataset)
        n = len(added)
        self.groups.extend(n)
        if self.clustering is not None:
            self.clustering = self.clustering.extended(joined_labels(self.clustering.labels, added))
            self.clusters_changed.emit()
        if self.trust is not None:
            t = self.trust
            self.trust = TrustResult(t.k, np.concatenate([t.recall, np.full(n, np.nan)]), t.trustworthiness,
                                     np.vstack([t.high_knn, np.full((n, t.high_knn.shape[1]), -1, t.high_knn.dtype)]),
                                     t.exact, t.seconds)  # fmt: skip
            self.trust_changed.emit()

    def set_clustering(self, clustering: Clustering | None) -> None:
        self.clustering = clustering
        self.clusters_changed.emit()

    def set_trust(self, trust: TrustResult | None) -> None:
        self.trust = trust
        self.trust_changed.emit()

    def set_colour_by(self, mode: str) -> None:
        if mode != self.colour_by:
            self.colour_by = mode
            self.colour_by_changed.emit()


def metadata_columns(dataset) -> list[str]:
    """Dataset.meta entries usable as a colour: one scalar or string per point."""
    if dataset is None:
        return []
    out = []
    for key, value in dataset.meta.items():
        arr = np.asarray(value, dtype=object) if isinstance(value, list) else np.asarray(value)
        if arr.ndim == 1 and len(arr) == len(dataset) and len(dataset):
            out.append(key)
    return out
