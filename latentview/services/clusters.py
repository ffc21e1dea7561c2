"""Cluster a dataset in its full embedding space and name the clusters; a generator for the runner.

Names: for images, the ImageNet classes the dataset's own model predicts most often for a cluster's
members (from stored embeddings, no image is decoded again); for words, the member words nearest the
cluster's centroid; otherwise the most common label.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from latentview.backends import clustering as backend
from latentview.core.clusters import Clustering, majority, name_from_votes
from latentview.core.dataset import Dataset
from latentview.core.progress import Log, Progress

NAME_SAMPLE = 200  # members per cluster that vote on its name
CHUNK = 20_000


@dataclass(frozen=True)
class ClusterParams:
    method: str = "hdbscan"  # "hdbscan" | "kmeans"
    min_cluster_size: int | None = None  # HDBSCAN; None: ~1 % of the points, at least 5
    k: int = 10  # k-means
    seed: int = 0
    options: dict = field(default_factory=dict)

    def describe(self, n: int) -> dict:
        if self.method == "kmeans":
            return {"k": self.k}
        return {"min_cluster_size": self.min_cluster_size or backend.default_min_cluster_size(n)}


def cluster_dataset(dataset: Dataset, params: ClusterParams | None = None):
    """Yields Progress (and a Log for sampled fits); returns a named `Clustering`."""
    params = params or ClusterParams()
    t0 = time.perf_counter()
    n = len(dataset)
    total = 4
    yield Progress(0, total, "Clustering: preparing embeddings", unit="steps")
    x = backend.prepare(dataset.embeddings)
    if params.method == "kmeans":
        yield Progress(1, total, f"Clustering: k-means (k={params.k}, {n:,} points)", unit="steps")
        labels = backend.kmeans_fit(x, params.k, params.seed)
    elif params.method == "hdbscan":
        mcs = params.min_cluster_size or backend.default_min_cluster_size(n)
        if n > backend.HDBSCAN_SAMPLE:
            rng = np.random.default_rng(params.seed)
            sample = np.sort(rng.choice(n, backend.HDBSCAN_SAMPLE, replace=False))
            scale = backend.HDBSCAN_SAMPLE / n
            yield Log(f"HDBSCAN fits a sample of {len(sample):,} of {n:,} points; the rest join the "
                      "cluster of their nearest sampled point", "info")  # fmt: skip
            yield Progress(1, total, f"Clustering: HDBSCAN on a {len(sample):,}-point sample", unit="steps")
            sample_labels = yield from _hdbscan(x[sample], max(5, round(mcs * scale)))
            labels = np.empty(n, np.int32)
            labels[sample] = sample_labels
            rest = np.setdiff1d(np.arange(n), sample)
            for start in range(0, len(rest), CHUNK):
                part = rest[start : start + CHUNK]
                labels[part] = backend.nearest_labels(x[sample], sample_labels, x[part])
                yield Progress(1, total, f"Clustering: assigning points {start + len(part):,}/{len(rest):,}",
                               unit="steps")  # fmt: skip
        else:
            yield Progress(1, total, f"Clustering: HDBSCAN ({n:,} points)", unit="steps")
            labels = yield from _hdbscan(x, mcs)
    else:
        raise ValueError(f"Unknown clustering '{params.method}'. Choose hdbscan or kmeans.")
    labels = backend.relabel_by_size(labels)
    yield Progress(2, total, "Clustering: naming clusters", unit="steps")
    names = yield from name_clusters(dataset, labels)
    yield Progress(total, total, "Clustering: done", unit="steps")
    return Clustering(labels, names, params.method, params.describe(n), time.perf_counter() - t0)


def _hdbscan(x: np.ndarray, mcs: int):
    """HDBSCAN, and when it finds fewer than two clusters (weak density structure, few points), a
    retry with a smaller min_samples, then k-means with k ≈ √(N/2), each said in the log."""
    labels = yield from _fit(x, mcs)
    if labels.max() >= 1:
        return labels
    retry = max(2, mcs // 3)
    yield Log(f"HDBSCAN found no clusters; trying again with min_samples={retry}", "info")
    labels = yield from _fit(x, mcs, retry)
    if labels.max() >= 1:
        return labels
    k = max(2, min(50, round(np.sqrt(len(x) / 2))))
    yield Log(f"HDBSCAN found no density clusters; using k-means with k={k} instead", "warning")
    return backend.kmeans_fit(x, k)


def _fit(x: np.ndarray, mcs: int, min_samples: int | None = None):
    """HDBSCAN off the GIL (a child process for large inputs), with a progress tick while it works."""
    gen = backend.hdbscan_steps(x, mcs, min_samples)
    try:
        while True:
            try:
                secs = next(gen)
            except StopIteration as stop:
                return stop.value
            yield Progress(1, 4, f"Clustering: HDBSCAN on {len(x):,} points ({secs:.0f} s)", unit="steps")
    finally:
        gen.close()  # a cancel lands here: the child process is terminated


def name_clusters(dataset: Dataset, labels: np.ndarray, seed: int = 0):
    """Generator returning one name per cluster id 0..K-1."""
    k = int(labels.max()) + 1 if len(labels) else 0
    rng = np.random.default_rng(seed)
    voters = []
    for c in range(k):
        m = np.flatnonzero(labels == c)
        voters.append(m if len(m) <= NAME_SAMPLE else np.sort(rng.choice(m, NAME_SAMPLE, replace=False)))
    if dataset.kind == "words":
        names = _word_names(dataset, labels, k)
    else:
        names = None
        if dataset.kind == "images" and dataset.model:
            names = yield from _class_names(dataset, voters)
        if names is None:
            names = [
                majority([dataset.labels[i] for i in v]) or f"cluster {c + 1}" for c, v in enumerate(voters)
            ]
    return _dedupe(names)


def _class_names(dataset: Dataset, voters: list[np.ndarray]):
    from latentview.backends.embedders import get_embedder

    try:
        model = get_embedder(dataset.model.split(" ")[0])
    except Exception as exc:  # an unknown or unloadable model: fall back to labels
        yield Log(f"Cluster names from labels: {exc}", "info")
        return None
    if not len(voters):
        return []
    flat = np.concatenate(voters)
    votes = model.classify(dataset.embeddings[flat], top=3)
    if not any(votes):
        return None
    out, pos = [], 0
    for v in voters:
        out.append(name_from_votes(votes[pos : pos + len(v)]))
        pos += len(v)
    yield Progress(3, 4, "Clustering: named", unit="steps")
    return out


def _word_names(dataset: Dataset, labels: np.ndarray, k: int, n_words: int = 3) -> list[str]:
    from latentview.core.neighbors import normalize
    from latentview.services.words import topic_name

    unit = normalize(dataset.embeddings)
    return [topic_name(dataset.items, unit, np.flatnonzero(labels == c), n_words) for c in range(k)]


def _dedupe(names: list[str]) -> list[str]:
    """Two clusters can win the same classes (two sets of cups): number the repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
