"""Cluster a dataset (in a reduced space of its embeddings, never the 2-D map), name the clusters and
build a hierarchy of coarser groups for names that deepen with zoom; a generator for the runner.

Names: for images, the ImageNet classes the dataset's own model predicts most often for a cluster's
members (from stored embeddings, no image is decoded again); for words, the member words nearest the
cluster's centroid; otherwise the most common label.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from latentview.backends import clustering as backend
from latentview.core.clusters import Clustering, Level, majority, name_from_votes, vote_confidence
from latentview.core.dataset import Dataset
from latentview.core.progress import Log, Progress

NAME_SAMPLE = 200  # members per cluster that vote on its name
CHUNK = 20_000


@dataclass(frozen=True)
class ClusterParams:
    method: str = "hdbscan"  # "hdbscan" | "kmeans"
    min_cluster_size: int | None = None  # HDBSCAN; None: ~⅓·√N, at least 5
    k: int = 10  # k-means
    seed: int = 0
    options: dict = field(default_factory=dict)
    space: str = "auto"  # "auto" (UMAP-10 up to 20k points) | "umap" | "pca" (PCA-50)
    selection: str = "eom"  # HDBSCAN's cluster selection: "eom" (fewer, larger) | "leaf" (finer)
    assign_leftovers: bool = False  # give each noise point the cluster of its nearest clustered point

    def describe(self, n: int) -> dict:
        space = {"space": backend.resolve_space(self.space, n)}
        if self.method == "kmeans":
            return {"k": self.k, **space}
        out = {"min_cluster_size": self.min_cluster_size or backend.default_min_cluster_size(n), **space}
        if self.selection != "eom":
            out["selection"] = self.selection
        if self.assign_leftovers:
            out["leftovers"] = "assigned"
        return out


def cluster_dataset(dataset: Dataset, params: ClusterParams | None = None):
    """Yields Progress (and Logs); returns a named `Clustering` with its hierarchy of coarser groups."""
    params = params or ClusterParams()
    t0 = time.perf_counter()
    n = len(dataset)
    total = 4
    yield Progress(0, total, "Clustering: preparing embeddings", unit="steps")
    x = backend.prepare(dataset.embeddings)
    if backend.resolve_space(params.space, n) == "umap":
        from latentview.services.projection import wait_for_warm_up

        yield from wait_for_warm_up()
        yield Progress(0, total, f"Clustering: {backend.UMAP_DIMS}-d UMAP of {n:,} points", unit="steps")
        x = backend.umap_space(x, seed=42 + params.seed)
    if params.method == "kmeans":
        yield Progress(1, total, f"Clustering: k-means (k={params.k}, {n:,} points)", unit="steps")
        labels = backend.kmeans_fit(x, params.k, params.seed)
    elif params.method == "hdbscan":
        labels = yield from _hdbscan_all(x, params)
    else:
        raise ValueError(f"Unknown clustering '{params.method}'. Choose hdbscan or kmeans.")
    if params.assign_leftovers and labels.max() >= 0 and (labels < 0).any():
        noise, kept = np.flatnonzero(labels < 0), np.flatnonzero(labels >= 0)
        yield Log(
            f"{len(noise):,} unclustered points joined the cluster of their nearest clustered point", "info"
        )
        labels[noise] = backend.nearest_labels(x[kept], labels[kept], x[noise])
    labels = backend.relabel_by_size(labels)
    yield Progress(2, total, "Clustering: naming clusters", unit="steps")
    confidence: list[float] = []
    names = yield from name_clusters(dataset, labels, confidence_out=confidence)
    levels = yield from _levels(dataset, x, labels)
    yield Progress(total, total, "Clustering: done", unit="steps")
    return Clustering(labels, names, params.method, params.describe(n), time.perf_counter() - t0,
                      confidence=confidence, levels=levels)  # fmt: skip


def cached_clusters(dataset: Dataset, params: ClusterParams | None = None):
    """`cluster_dataset` through the disk cache (backends/cluster_cache): the same embeddings, settings
    and naming sources give the stored named clustering at once. A damaged entry is moved aside, said
    in one Log line and computed again; only a finished result is stored (atomically), so a cancel
    leaves nothing behind."""
    from latentview.backends import cluster_cache

    params = params or ClusterParams()
    t0 = time.perf_counter()
    yield Progress(0, 4, "Clustering: looking for saved clusters", unit="steps")
    try:
        key = cluster_cache.cluster_key(dataset.embeddings, cache_settings(dataset, params),
                                        dataset.items if dataset.kind == "words" else dataset.labels)  # fmt: skip
        entry = cluster_cache.load_clustering(key, len(dataset))
    except cluster_cache.DamagedEntry as exc:
        yield Log(f"Saved clusters could not be read ({exc}); they were moved aside and are computed again",
                  "warning")  # fmt: skip
        entry = None
    except OSError:  # no usable cache folder: the run goes on without it
        key = entry = None
    if entry is not None:
        yield Log(f"{len(entry['names'])} named clusters from the cache (computing them took "
                  f"{entry.get('seconds', 0.0):.1f} s)", "info")  # fmt: skip
        return _from_entry(entry, time.perf_counter() - t0)
    clustering = yield from cluster_dataset(dataset, params)
    if key is not None:
        meta = {k: v for k, v in clustering.to_json().items() if k != "labels"}
        cluster_cache.store_clustering(key, clustering.labels, {**meta, "seconds": clustering.seconds})
    return clustering


def cache_settings(dataset: Dataset, params: ClusterParams) -> dict:
    """Everything besides the embeddings and the labels/words that a named clustering depends on."""
    from dataclasses import asdict
    from importlib.metadata import PackageNotFoundError, version

    model = dataset.model
    if dataset.kind == "images" and model:
        from latentview.backends.embedders import cache_id

        try:
            model = f"{model} | {cache_id(model)}"  # a model file: its content hash
        except Exception:  # an unknown model names clusters from labels: the reference is enough
            pass
    libs = {}
    for lib in ("scikit-learn", "umap-learn"):
        try:
            libs[lib] = version(lib)
        except PackageNotFoundError:
            libs[lib] = ""
    n = len(dataset)
    consts = [backend.HDBSCAN_SAMPLE, backend.REDUCE_DIMS, backend.UMAP_DIMS, backend.UMAP_MAX_POINTS,
              NAME_SAMPLE, CHUNK]  # fmt: skip
    return {"params": asdict(params), "resolved": params.describe(n), "kind": dataset.kind, "model": model,
            "libs": libs, "constants": consts}  # fmt: skip


def _from_entry(entry: dict, seconds: float) -> Clustering:
    levels = [Level(np.asarray(lv["parent"], np.int32), list(lv["names"])) for lv in entry.get("levels", [])]
    return Clustering(entry["labels"], list(entry["names"]), entry.get("method", ""),
                      dict(entry.get("params", {})), seconds, confidence=list(entry.get("confidence", [])),
                      levels=levels)  # fmt: skip


def _hdbscan_all(x: np.ndarray, params: ClusterParams):
    n, total = len(x), 4
    mcs = params.min_cluster_size or backend.default_min_cluster_size(n)
    if n <= backend.HDBSCAN_SAMPLE:
        yield Progress(1, total, f"Clustering: HDBSCAN ({n:,} points)", unit="steps")
        return (yield from _hdbscan(x, mcs, params.selection))
    rng = np.random.default_rng(params.seed)
    sample = np.sort(rng.choice(n, backend.HDBSCAN_SAMPLE, replace=False))
    scale = backend.HDBSCAN_SAMPLE / n
    yield Log(f"HDBSCAN fits a sample of {len(sample):,} of {n:,} points; the rest join the "
              "cluster of their nearest sampled point", "info")  # fmt: skip
    yield Progress(1, total, f"Clustering: HDBSCAN on a {len(sample):,}-point sample", unit="steps")
    sample_labels = yield from _hdbscan(x[sample], max(5, round(mcs * scale)), params.selection)
    labels = np.empty(n, np.int32)
    labels[sample] = sample_labels
    rest = np.setdiff1d(np.arange(n), sample)
    for start in range(0, len(rest), CHUNK):
        part = rest[start : start + CHUNK]
        labels[part] = backend.nearest_labels(x[sample], sample_labels, x[part])
        yield Progress(1, total, f"Clustering: assigning points {start + len(part):,}/{len(rest):,}",
                       unit="steps")  # fmt: skip
    return labels


def _levels(dataset: Dataset, x: np.ndarray, labels: np.ndarray):
    """Coarser cuts of an average-linkage tree of the cluster centroids (in the clustering space),
    each named like a cluster from all its members: ~K/2, K/4, … groups down to 2."""
    cuts = backend.merge_levels(x, labels)
    levels = []
    for parent in cuts:
        sets = [
            np.flatnonzero(np.isin(labels, np.flatnonzero(parent == g))) for g in range(int(parent.max()) + 1)
        ]
        names = yield from name_sets(dataset, sets)
        levels.append(Level(parent, names))
    return levels


def _hdbscan(x: np.ndarray, mcs: int, selection: str = "eom"):
    """HDBSCAN, and when it finds fewer than two clusters (weak density structure, few points), a
    retry with a smaller min_samples, then k-means with k ≈ √(N/2), each said in the log."""
    labels = yield from _fit(x, mcs, None, selection)
    if labels.max() >= 1:
        return labels
    retry = max(2, mcs // 3)
    yield Log(f"HDBSCAN found no clusters; trying again with min_samples={retry}", "info")
    labels = yield from _fit(x, mcs, retry, selection)
    if labels.max() >= 1:
        return labels
    k = max(2, min(50, round(np.sqrt(len(x) / 2))))
    yield Log(f"HDBSCAN found no density clusters; using k-means with k={k} instead", "warning")
    return backend.kmeans_fit(x, k)


def _fit(x: np.ndarray, mcs: int, min_samples: int | None = None, selection: str = "eom"):
    """HDBSCAN off the GIL (a child process for large inputs), with a progress tick while it works."""
    gen = backend.hdbscan_steps(x, mcs, min_samples, selection=selection)
    try:
        while True:
            try:
                secs = next(gen)
            except StopIteration as stop:
                return stop.value
            if isinstance(secs, str):  # a fallback, said once in the log
                yield Log(secs, "warning")
                continue
            yield Progress(1, 4, f"Clustering: HDBSCAN on {len(x):,} points ({secs:.0f} s)", unit="steps")
    finally:
        gen.close()  # a cancel lands here: the child process is terminated


def name_clusters(dataset: Dataset, labels: np.ndarray, seed: int = 0, confidence_out: list | None = None):
    """Generator returning one name per cluster id 0..K-1; `confidence_out` receives the model's
    confidence per name when the names are its guesses (left empty otherwise)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    return (
        yield from name_sets(dataset, [np.flatnonzero(labels == c) for c in range(k)], seed, confidence_out)
    )


def name_sets(dataset: Dataset, sets: list[np.ndarray], seed: int = 0, confidence_out: list | None = None):
    """Generator returning a name for each set of point indices (a cluster, or a group of clusters)."""
    rng = np.random.default_rng(seed)
    voters = [
        m if len(m) <= NAME_SAMPLE else np.sort(rng.choice(m, NAME_SAMPLE, replace=False)) for m in sets
    ]
    if dataset.kind == "words":
        names = _word_names(dataset, sets)
    else:
        names = None
        if dataset.kind == "images" and dataset.model:
            names = yield from _class_names(dataset, voters, confidence_out)
        if names is None:
            names = [
                majority([dataset.labels[i] for i in v]) or f"cluster {c + 1}" for c, v in enumerate(voters)
            ]
    return _dedupe(names)


def _class_names(dataset: Dataset, voters: list[np.ndarray], confidence_out: list | None = None):
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
        name = name_from_votes(votes[pos : pos + len(v)])
        out.append(name)
        if confidence_out is not None:
            confidence_out.append(vote_confidence(votes[pos : pos + len(v)], name))
        pos += len(v)
    yield Progress(3, 4, "Clustering: named", unit="steps")
    return out


def _word_names(dataset: Dataset, sets: list[np.ndarray], n_words: int = 3) -> list[str]:
    from latentview.core.neighbors import normalize
    from latentview.services.words import topic_name

    unit = normalize(dataset.embeddings)
    return [topic_name(dataset.items, unit, np.asarray(m), n_words) for m in sets]


def _dedupe(names: list[str]) -> list[str]:
    """Two clusters can win the same classes (two sets of cups): number the repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
