"""Compare two latent spaces of the same items: per-point neighbour agreement and whole-space measures.

Neighbour overlap asks "does B keep A's neighbourhoods" point by point (1 = same k nearest items);
linear CKA (Kornblith et al. 2019) asks whether the spaces share their geometry up to rotation and
scale; k-NN label accuracy asks how well each space separates the known classes. All are invariant
to an orthogonal rotation of a space, so "B is A rotated" reads as overlap 1 and CKA 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentview.core.neighbors import normalize
from latentview.core.trust import knn_brute, knn_recall


def cosine_knn(x: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """(len(rows), k) nearest items by cosine distance, self excluded (Euclidean on unit rows)."""
    return knn_brute(normalize(x), k, rows=rows)


def neighbour_overlap(knn_a: np.ndarray, knn_b: np.ndarray) -> np.ndarray:
    """Per-row share of A's k nearest items that are also among B's (0 … 1)."""
    return knn_recall(knn_a, knn_b)


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA of two (N, D1), (N, D2) representations of the same N items, in [0, 1].

    Uses the feature-space form ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F): D×D products, so N can be large.
    Big inputs (10k × 3,072 raw pixels) multiply in float32, twice as fast (relative error ~1e-6);
    the norms are taken in float64.
    """
    if len(x) != len(y):
        raise ValueError("CKA needs the same items in both spaces")
    big = np.size(x) + np.size(y) > 4_000_000
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    if big:
        x, y = x.astype(np.float32), y.astype(np.float32)
    cross = np.linalg.norm((y.T @ x).astype(np.float64)) ** 2
    denom = np.linalg.norm((x.T @ x).astype(np.float64)) * np.linalg.norm((y.T @ y).astype(np.float64))
    return float(cross / denom) if denom > 0 else 0.0


def knn_label_accuracy(knn: np.ndarray, labels: np.ndarray, rows: np.ndarray | None = None) -> float:
    """Leave-one-out accuracy of a majority vote of each row's k neighbours' labels.

    Ties go to the label of the nearest neighbour among the tied ones.
    """
    labels = np.asarray(labels)
    codes, inverse = np.unique(labels, return_inverse=True)
    own = inverse if rows is None else inverse[np.asarray(rows)]
    neigh = inverse[np.asarray(knn)]  # (n, k)
    n, k = neigh.shape
    if n == 0 or k == 0:
        return float("nan")
    counts = np.zeros((n, len(codes)), dtype=np.int32)
    np.add.at(counts, (np.repeat(np.arange(n), k), neigh.ravel()), 1)
    best = counts.max(axis=1, keepdims=True)
    tied = counts == best  # (n, C)
    # first neighbour (nearest) whose label is among the tied winners
    first = np.argmax(tied[np.arange(n)[:, None], neigh], axis=1)
    vote = neigh[np.arange(n), first]
    return float((vote == own).mean())


def procrustes_align(reference: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """`moving` (N, 2) rotated/reflected, scaled and shifted to best match `reference` (N, 2).

    Orthogonal Procrustes on the shared items: the same cluster then sits in the same place in
    both views, while B's own shape is untouched (only a similarity transform is applied).
    """
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(moving, dtype=np.float64)
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    ma, mb = a[ok].mean(axis=0), b[ok].mean(axis=0)
    a0, b0 = a[ok] - ma, b[ok] - mb
    u, s, vt = np.linalg.svd(b0.T @ a0)
    rot = u @ vt
    norm_b = float((b0**2).sum())
    scale = float(s.sum() / norm_b) if norm_b > 0 else 1.0
    return ((b - mb) @ rot * scale + ma).astype(np.float32)


def match_items(ids_a: list[str], ids_b: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (ia, ib) of the items both sides share, in A's order; duplicates keep the first."""
    first_b: dict[str, int] = {}
    for j, key in enumerate(ids_b):
        first_b.setdefault(key, j)
    seen: set[str] = set()
    ia, ib = [], []
    for i, key in enumerate(ids_a):
        j = first_b.get(key)
        if j is not None and key not in seen:
            seen.add(key)
            ia.append(i)
            ib.append(j)
    return np.asarray(ia, dtype=np.int64), np.asarray(ib, dtype=np.int64)


@dataclass
class Comparison:
    """Measures of space B against space A over the same items (rows already matched)."""

    k: int
    overlap: np.ndarray  # per item, NaN for items outside the sampled rows
    mean_overlap: float
    cka: float
    accuracy_a: float | None
    accuracy_b: float | None
    rows: np.ndarray  # the items the per-point measures were computed for


def compare_spaces(
    a: np.ndarray,
    b: np.ndarray,
    k: int = 10,
    labels: np.ndarray | None = None,
    max_rows: int = 20_000,
    cka_rows: int = 50_000,
    seed: int = 0,
) -> Comparison:
    """Neighbour overlap, linear CKA and (with labels) k-NN label accuracy of B against A.

    Above `max_rows` items the per-point measures use a random sample of rows (each still ranked
    against every item), CKA a sample of `cka_rows`: exact below, unbiased estimates above.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    n = len(a)
    if len(b) != n:
        raise ValueError("both spaces need the same items")
    if n < 2:
        raise ValueError("comparing spaces needs at least two items")
    k = max(1, min(k, n - 1))
    rng = np.random.default_rng(seed)
    rows = np.arange(n) if n <= max_rows else np.sort(rng.choice(n, max_rows, replace=False))
    knn_a = cosine_knn(a, k, rows)
    knn_b = cosine_knn(b, k, rows)
    per_row = neighbour_overlap(knn_a, knn_b)
    overlap = np.full(n, np.nan, dtype=np.float32)
    overlap[rows] = per_row
    cka_idx = np.arange(n) if n <= cka_rows else rng.choice(n, cka_rows, replace=False)
    cka = linear_cka(a[cka_idx], b[cka_idx])
    acc_a = acc_b = None
    if labels is not None and len(np.unique(np.asarray(labels))) > 1:
        acc_a = knn_label_accuracy(knn_a, labels, rows)
        acc_b = knn_label_accuracy(knn_b, labels, rows)
    return Comparison(k, overlap, float(per_row.mean()), cka, acc_a, acc_b, rows)
