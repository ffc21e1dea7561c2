"""A clustering of a dataset's points: one integer label per point (−1 is noise) and a name per cluster.

Plain numpy: what a clustering *is*, where its names go on the map, how it survives a session file.
The fitting itself (HDBSCAN, k-means) lives in backends/clustering.py; naming in services/clusters.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from latentview.core.geometry import span

NOISE = -1
CENTRE_SAMPLE = 20_000  # points above which name positions come from an even sample
GROUP_SPREAD = 0.2  # a coarse group is named as one while its clusters lie within this share of the map


@dataclass
class Level:
    """One cut of the cluster hierarchy: which coarser group each cluster belongs to, and its name."""

    parent: np.ndarray  # (K,) group id 0..G-1 of each cluster
    names: list[str]  # one per group

    def to_json(self) -> dict:
        return {"parent": np.asarray(self.parent).astype(int).tolist(), "names": list(self.names)}


@dataclass
class Clustering:
    labels: np.ndarray  # (N,) int32, NOISE for points in no cluster
    names: list[str]  # one per cluster id 0..K-1
    method: str = "hdbscan"
    params: dict = field(default_factory=dict)
    seconds: float = 0.0
    # Per cluster, how sure the name is (share of members whose top prediction is in it); empty: unknown.
    confidence: list[float] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)  # coarsest first; the clusters are the finest

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
        """Points per cluster; remembered for these labels (asked for by the legend, the list and the
        names each time the map changes: ~30 ms at a million points)."""
        cached = self.__dict__.get("_sizes")
        if cached is None or cached[0] is not self.labels:
            sizes = np.bincount(self.labels[self.labels >= 0], minlength=len(self)).astype(int)
            cached = self.__dict__["_sizes"] = (self.labels, sizes)
        return cached[1].copy()

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
        labels = self.labels
        if len(xy) > CENTRE_SAMPLE:  # an even sample places a name as well and keeps the window responsive
            step = -(-len(xy) // CENTRE_SAMPLE)
            xy, labels = np.ascontiguousarray(xy[::step]), np.ascontiguousarray(labels[::step])
        for c in range(len(self)):
            m = xy[labels == c]
            if not len(m) and labels is not self.labels:  # a cluster too small to be sampled
                m = np.asarray(coords, dtype=np.float64)[self.labels == c]
            if len(m):
                med = np.median(m, axis=0)
                out[c] = m[np.argmin(((m - med) ** 2).sum(1))]
        return out

    @property
    def coverage(self) -> float:
        """Share of the points that are in a cluster."""
        return 1.0 - self.n_noise / max(1, self.n_points)

    def extended(self, new_labels: np.ndarray) -> Clustering:
        """The same clusters over appended rows (their labels given; NOISE for none). The appended rows
        are remembered in params['added'] so the panel can say they joined by similarity."""
        params = {**self.params, "added": int(self.params.get("added", 0)) + len(new_labels)}
        return Clustering(np.concatenate([self.labels, np.asarray(new_labels, np.int32)]), list(self.names),
                          self.method, params, self.seconds, list(self.confidence), list(self.levels))  # fmt: skip

    def to_json(self) -> dict:
        return {"labels": self.labels.tolist(), "names": list(self.names), "method": self.method,
                "params": dict(self.params), "confidence": [float(c) for c in self.confidence],
                "levels": [lv.to_json() for lv in self.levels]}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> Clustering:
        levels = [
            Level(np.asarray(lv["parent"], np.int32), list(lv["names"])) for lv in data.get("levels", [])
        ]
        return cls(np.asarray(data["labels"], np.int32), list(data["names"]), data.get("method", ""),
                   dict(data.get("params", {})), confidence=list(data.get("confidence", [])),
                   levels=levels)  # fmt: skip


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


def vote_confidence(votes: list[list[tuple[str, float]]], name: str) -> float:
    """Share of members whose top prediction is one of the classes in `name` (how sure the guess is)."""
    classes = set(name.split(" · "))
    tops = [member[0][0] for member in votes if member]
    return sum(t in classes for t in tops) / len(tops) if tops else 0.0


def majority(values, n: int = 1) -> str:
    """The most common value(s) among members, joined: the fallback name when a model has no head."""
    return " · ".join(v for v, _ in Counter(values).most_common(n))


def centres_of(labels: np.ndarray, k: int, coords: np.ndarray) -> np.ndarray:
    """(k, 2): per group, the member nearest the members' median (NaN for an empty group)."""
    return Clustering(labels, [""] * k).centres(coords) if k else np.zeros((0, 2))


@dataclass(frozen=True)
class MapName:
    """A name to draw on the map: where, what, how important (its size), and the clusters it covers."""

    x: float
    y: float
    text: str
    priority: int
    clusters: tuple[int, ...]


def level_for_zoom(clustering: Clustering, zoom: float) -> int:
    """Which cut to name at a zoom (full map extent ÷ view extent, ≥ 1): the coarsest at 1, then as
    the view's area shrinks the number of names may grow with it (names per screen stay about even).
    Returns an index into clustering.levels, or len(levels) for the clusters themselves."""
    counts = [len(lv.names) for lv in clustering.levels] + [len(clustering)]
    budget = counts[0] * max(1.0, float(zoom)) ** 2
    best = 0
    for i, c in enumerate(counts):
        if c <= budget:
            best = i
    return best


def zoom_names(
    clustering: Clustering, coords: np.ndarray, zoom: float, centres: dict | None = None
) -> list[MapName]:
    """The names to show at this zoom, largest first: coarse groups zoomed out, finer ones zoomed in. A
    group whose clusters lie apart on the map (the hierarchy is cut in the clustering space, not on the
    map) is named by its finer groups instead, so a name never stands for clusters far from it.

    `centres` is an optional cache {level: (k, 2) array} the caller keeps across zoom changes.
    """
    centres = {} if centres is None else centres
    sizes = clustering.sizes()
    out = []
    for lv, g, members in _shown_groups(clustering, coords, level_for_zoom(clustering, zoom), centres):
        pos = _level_centres(clustering, coords, lv, centres)[g]
        names = clustering.levels[lv].names if lv < len(clustering.levels) else clustering.names
        if np.all(np.isfinite(pos)):
            out.append(
                MapName(float(pos[0]), float(pos[1]), names[g], int(sizes[list(members)].sum()), members)
            )
    return sorted(out, key=lambda m: -m.priority)


def _groups_of(clustering: Clustering, lv: int) -> list[tuple[int, ...]]:
    """The clusters of each group at level `lv` (len(levels): each cluster alone)."""
    if lv >= len(clustering.levels):
        return [(c,) for c in range(len(clustering))]
    parent = np.asarray(clustering.levels[lv].parent, np.int32)
    return [tuple(np.flatnonzero(parent == g).tolist()) for g in range(len(clustering.levels[lv].names))]


def _level_centres(clustering: Clustering, coords: np.ndarray, lv: int, cache: dict) -> np.ndarray:
    if lv not in cache:
        if lv < len(clustering.levels):
            parent = np.asarray(clustering.levels[lv].parent, np.int32)
            k = len(clustering.levels[lv].names)
            labels = np.where(clustering.labels >= 0, parent[np.maximum(clustering.labels, 0)], -1)
        else:
            k, labels = len(clustering), clustering.labels
        cache[lv] = centres_of(labels, k, coords)
    return cache[lv]


def _shown_groups(clustering: Clustering, coords: np.ndarray, level: int, cache: dict) -> list[tuple]:
    """(level, group, clusters) to name: the groups of `level`, each one that is not compact on the map
    (its clusters' centres spread over more than GROUP_SPREAD of the map's diagonal) replaced by its
    groups one level finer, down to the clusters."""
    finest = len(clustering.levels)
    xy = coords
    diag = float(np.hypot(*span(xy))) if len(xy) else 0.0
    at = _level_centres(clustering, xy, finest, cache)
    todo = [(level, g, m) for g, m in enumerate(_groups_of(clustering, level))]
    out = []
    while todo:
        lv, g, members = todo.pop()
        pts = at[list(members)]
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        spread = float(np.hypot(*span(pts))) if len(pts) > 1 else 0.0
        if lv >= finest or spread <= GROUP_SPREAD * diag:
            out.append((lv, g, members))
            continue
        finer = [(h, m) for h, m in enumerate(_groups_of(clustering, lv + 1)) if set(m) <= set(members)]
        if sorted(c for _, m in finer for c in m) != sorted(members):  # not nested: the clusters themselves
            lv, finer = finest - 1, [(c, (c,)) for c in members]
        todo += [(lv + 1, h, m) for h, m in finer]
    return out


def all_centres(clustering: Clustering, coords: np.ndarray) -> dict[int, np.ndarray]:
    """Name positions of every level at once ({level: (k, 2)}, the cache `zoom_names` reads): computed
    off the GUI thread on a big map, so names never cost the window a step there."""
    cache: dict = {}
    for level in range(len(clustering.levels) + 1):
        _level_centres(clustering, coords, level, cache)
    return cache
