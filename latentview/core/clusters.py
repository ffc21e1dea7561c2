"""A clustering of a dataset's points: one integer label per point (−1 is noise) and a name per cluster.

Plain numpy: what a clustering *is*, where its names go on the map, how it survives a session file.
The fitting itself (HDBSCAN, k-means) lives in backends/clustering.py; naming in services/clusters.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

NOISE = -1


@dataclass
class Clustering:
    labels: np.ndarray  # (N,) int32, NOISE for points in no cluster
    names: list[str]  # one per cluster id 0..K-1
    method: str = "hdbscan"
    params: dict = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int32)
        k = int(self.labels.max()) + 1 if self.labels.size else 0
        if len(self.names) < k:
            self.names = list(self.names) + [f"cluster {i + 1}" for i in range(len(self.names), k)]

    def __len__(self) -> int:
        """Number of clusters (noise not counted)."""
        return len(self.names)

    @property
    def n_points(self) -> int:
        return len(self.labels)

    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels[self.labels >= 0], minlength=len(self)).astype(int)

    @property
    def n_noise(self) -> int:
        return int(np.count_nonzero(self.labels == NOISE))

    def members(self, cluster: int) -> np.ndarray:
        return np.flatnonzero(self.labels == cluster)

    def name_of(self, label: int) -> str:
        return "noise" if label < 0 else self.names[label]

    def point_names(self) -> list[str]:
        """The cluster name of every point ("noise" for −1), for table exports."""
        lookup = np.array([*self.names, "noise"], dtype=object)
        return lookup[np.where(self.labels >= 0, self.labels, len(self.names))].tolist()

    def centres(self, coords: np.ndarray) -> np.ndarray:
        """Where a cluster's name goes on the map: the member nearest the members' median.

        A median of a curved (UMAP) cluster can fall outside it; a member never does.
        """
        out = np.full((len(self), 2), np.nan)
        xy = np.asarray(coords, dtype=np.float64)
        for c in range(len(self)):
            m = xy[self.labels == c]
            if len(m):
                med = np.median(m, axis=0)
                out[c] = m[np.argmin(((m - med) ** 2).sum(1))]
        return out

    def extended(self, new_labels: np.ndarray) -> Clustering:
        """The same clusters over appended rows (their labels given; NOISE for none). The appended rows
        are remembered in params['added'] so the panel can say they joined by similarity."""
        params = {**self.params, "added": int(self.params.get("added", 0)) + len(new_labels)}
        return Clustering(np.concatenate([self.labels, np.asarray(new_labels, np.int32)]), list(self.names),
                          self.method, params, self.seconds)  # fmt: skip

    def to_json(self) -> dict:
        return {"labels": self.labels.tolist(), "names": list(self.names), "method": self.method,
                "params": dict(self.params)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> Clustering:
        return cls(np.asarray(data["labels"], np.int32), list(data["names"]), data.get("method", ""),
                   dict(data.get("params", {})))  # fmt: skip


def name_from_votes(votes: list[list[tuple[str, float]]], top: int = 2) -> str:
    """A cluster's name from its members' top predicted classes: the most frequent, tie-broken by
    summed confidence (e.g. 'espresso · cup')."""
    count: Counter = Counter()
    weight: Counter = Counter()
    for member in votes:
        for rank, (cls, p) in enumerate(member):
            count[cls] += 1 if rank == 0 else 0
            weight[cls] += p
    ranked = sorted(weight, key=lambda c: (-count[c], -weight[c]))
    return " · ".join(ranked[:top])


def majority(values, n: int = 1) -> str:
    """The most common value(s) among members, joined: the fallback name when a model has no head."""
    return " · ".join(v for v, _ in Counter(values).most_common(n))
