"""GAN latent directions: GANSpace (principal directions of early features), directions fitted from
the user's groups of samples, and their files (.npz) — a user's own next to the generator's identity.
Plain functions and generators; no Qt. Re-exported by services.gan.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_open, atomic_path
from latentview.core.errors import UserError
from latentview.core.progress import Progress, RateMeter

DIRECTIONS_VERSION = 1


@dataclass
class Directions:
    """Named unit vectors in latent space; `sigma` is the spread of samples along each (slider unit)."""

    names: list[str]
    vectors: np.ndarray  # (K, nz) float32, unit rows
    sigma: np.ndarray  # (K,)
    explained: np.ndarray  # (K,) fraction of feature variance (PCA) or NaN (fitted)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.names)

    def add(self, name: str, vector: np.ndarray, sigma: float = 1.0) -> None:
        v = np.asarray(vector, np.float32)
        self.names.append(name)
        self.vectors = np.vstack([self.vectors.reshape(-1, v.size), v / np.linalg.norm(v)])
        self.sigma = np.append(self.sigma, sigma).astype(np.float32)
        self.explained = np.append(self.explained, np.nan).astype(np.float32)


# --- GANSpace: principal directions of early features -----------------------------------------------
def _directions_cache(key: str, n: int, k: int, seed: int) -> Path:
    name = f"directions-v{DIRECTIONS_VERSION}-{key}-{n}-{k}-{seed}.npz"
    try:
        return cache_dir() / "gan" / name
    except OSError:  # an unusable cache folder: a path that never exists, whose write fails quietly
        return Path(os.devnull) / name


def compute_directions(gen, n_samples: int = 4000, k: int = 10, seed: int = 0, batch: int = 500,
                       use_cache: bool = True):  # fmt: skip
    """GANSpace for z-space generators: PCA of early features of sampled latents, then the latent
    directions that produce each component, found by regressing latents on the PCA coordinates.

    Yields Progress; returns Directions. Cached per generator content in the cache folder.
    """
    path = _directions_cache(gen.key, n_samples, k, seed)
    if use_cache and path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                return Directions(list(f["names"]), f["vectors"], f["sigma"], f["explained"], 0.0)
        except Exception:  # a damaged cache file (truncated, garbage): compute again and replace it
            pass
    t0 = time.perf_counter()
    z = np.random.default_rng(seed).standard_normal((n_samples, gen.nz)).astype(np.float32)
    meter = RateMeter(n_samples)
    feats = []
    for start in range(0, n_samples, batch):
        feats.append(gen.features(z[start : start + batch]))
        yield meter.update(min(start + batch, n_samples), "Sampling early features", "samples")
    x = np.concatenate(feats)
    x -= x.mean(axis=0)
    k = min(k, gen.nz, n_samples - 1)
    yield Progress(n_samples, n_samples, "Principal components")
    # Randomized SVD: the top k of an n × F matrix (F is 8,192 for the face DCGAN) in well under a second.
    from sklearn.utils.extmath import randomized_svd

    _, svals, comps = randomized_svd(x, k, n_oversamples=20, n_iter=4, random_state=seed)
    coords = x @ comps.T
    var = svals.astype(np.float64) ** 2
    total = float(np.einsum("ij,ij->", x, x, dtype=np.float64))
    # Latent direction per component: least squares z ≈ coords @ U.
    u, *_ = np.linalg.lstsq(coords.astype(np.float64), z.astype(np.float64), rcond=None)
    vectors = (u / np.linalg.norm(u, axis=1, keepdims=True)).astype(np.float32)
    # Fix signs so the same generator always gives the same slider direction.
    vectors *= np.where(vectors[np.arange(k), np.abs(vectors).argmax(1)] < 0, -1, 1)[:, None]
    sigma = (z @ vectors.T).std(axis=0).astype(np.float32)
    result = Directions([f"PC{i + 1}" for i in range(k)], vectors, sigma,
                        (var / total).astype(np.float32), time.perf_counter() - t0)  # fmt: skip
    try:  # only a cache: a full disk or a read-only folder must not lose the result
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            np.savez(tmp, names=np.array(result.names), vectors=vectors, sigma=sigma,
                     explained=result.explained)  # fmt: skip
    except OSError:
        pass
    return result


# --- directions from the user's groups ----------------------------------------------------------------
def fit_direction(latents: np.ndarray, group_a, group_b=None, method: str = "mean") -> np.ndarray:
    """A unit latent direction from group B towards group A (B defaults to all the rest).

    "mean": difference of the group means. "linear": the normal of a linear classifier separating
    the groups (InterFaceGAN), more robust when the groups differ along several correlated axes.
    """
    latents = np.asarray(latents, np.float32)
    a = np.zeros(len(latents), bool)
    a[np.asarray(group_a, int)] = True
    if group_b is None or len(group_b) == 0:
        b = ~a
    else:
        b = np.zeros(len(latents), bool)
        b[np.asarray(group_b, int)] = True
        b &= ~a
    if a.sum() < 2 or b.sum() < 2:
        raise UserError("Select at least two samples in each group to fit a direction.")
    if method == "linear":
        from sklearn.svm import LinearSVC

        x = np.concatenate([latents[a], latents[b]])
        y = np.r_[np.ones(a.sum()), np.zeros(b.sum())]
        clf = LinearSVC(C=1.0, class_weight="balanced", max_iter=5000).fit(x, y)
        d = clf.coef_[0]
    else:
        d = latents[a].mean(0) - latents[b].mean(0)
    n = np.linalg.norm(d)
    if n == 0:
        raise UserError("The two groups have the same mean latent; choose groups that differ.")
    return (d / n).astype(np.float32)


def save_directions(
    path: str | Path, directions: Directions, generator_key: str, only_named: bool = False
) -> None:
    fitted = np.isnan(directions.explained)
    keep = [i for i in range(len(directions)) if fitted[i] or not only_named]
    with atomic_open(path, "wb") as fh:
        np.savez(fh, names=np.array([directions.names[i] for i in keep]), vectors=directions.vectors[keep],
                 sigma=directions.sigma[keep], generator=np.array(generator_key))  # fmt: skip


def load_directions(path: str | Path, nz: int) -> tuple[list[str], np.ndarray, np.ndarray, str]:
    from latentview.backends.array_files import npz_headers_at

    npz_headers_at(str(path), UserError)  # a user's file: headers checked before numpy allocates
    try:
        with np.load(path, allow_pickle=False) as f:
            names, vectors = [str(n) for n in f["names"]], f["vectors"].astype(np.float32)
            sigma, gen = f["sigma"].astype(np.float32), str(f["generator"])
    except Exception:
        raise UserError(f"{Path(path).name} is not a latentview directions file (.npz).") from None
    if vectors.ndim != 2 or vectors.shape[1] != nz:
        raise UserError(
            f"These directions are for a {vectors.shape[-1]}-d latent; this generator's is {nz}-d."
        )
    return names, vectors, sigma, gen


def named_directions_path(generator_key: str) -> Path:
    from latentview.backends.paths import config_dir

    return config_dir() / "gan" / f"{generator_key}-directions.npz"


def persist_named(directions: Directions, generator_key: str) -> None:
    """Fitted (named) directions live beside the generator's identity, so they come back next time."""
    path = named_directions_path(generator_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_directions(path, directions, generator_key, only_named=True)
