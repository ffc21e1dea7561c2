"""GAN latent-space services: seeds, steering state, GANSpace directions, interpolation, fitted
directions, latent maps and strip/GIF export. Plain functions and generators; no Qt.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_open, atomic_path
from latentview.core.dataset import Dataset
from latentview.core.errors import UserError
from latentview.core.progress import Log, Progress, RateMeter

DIRECTIONS_VERSION = 1


def latent_for_seed(seed: int, nz: int) -> np.ndarray:
    """The same seed gives the same latent on every machine (numpy's PCG64, not torch's RNG)."""
    return np.random.default_rng(int(seed)).standard_normal(nz).astype(np.float32)


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


@dataclass
class LatentState:
    """What the sliders say: a base latent (from a seed, a map point or an interpolation), a scale
    (truncation), and an amount per direction, in units of that direction's sigma."""

    base: np.ndarray
    seed: int | None = 0
    scale: float = 1.0
    amounts: dict[str, float] = field(default_factory=dict)

    def latent(self, directions: Directions | None) -> np.ndarray:
        z = self.scale * self.base.astype(np.float32)
        if directions is not None:
            for i, name in enumerate(directions.names):
                a = self.amounts.get(name, 0.0)
                if a:
                    z = z + a * directions.sigma[i] * directions.vectors[i]
        return z.astype(np.float32)


# --- GANSpace --------------------------------------------------------------------------------------
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


# --- rendering and interpolation ---------------------------------------------------------------------
def render(gen, z: np.ndarray):
    """One image for the task runner (the newest slider request wins); returns (H, W, 3) uint8.

    A generator in a child process (TorchScript) is waited for in steps, so Cancel stops a hang."""
    z = np.asarray(z, np.float32)[None]
    steps = getattr(gen, "render_steps", None)
    if steps is not None:
        return (yield from steps(z))[0]
    yield from ()
    _one_thread()
    return gen.render(z)[0]


def _one_thread() -> None:
    """One image is too small to split: a second OpenMP thread only waits for a core, and on a busy
    machine that wait was most of the slider's latency (1.2 s instead of ~10 ms under load)."""
    import os

    import torch

    n = int(os.environ.get("LATENTVIEW_THREADS", 1))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return ((1 - t) * a + t * b).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation on the great circle through a and b, with the norm interpolated too:
    a Gaussian latent's norm stays typical, where a straight line dips towards the origin."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
    if na == 0 or nb == 0:
        return lerp(a, b, t)
    ua, ub = a64 / na, b64 / nb
    omega = np.arccos(np.clip(ua @ ub, -1.0, 1.0))
    if omega < 1e-6:
        return lerp(a, b, t)
    u = (np.sin((1 - t) * omega) * ua + np.sin(t * omega) * ub) / np.sin(omega)
    return (u * ((1 - t) * na + t * nb)).astype(np.float32)


def interpolate(a: np.ndarray, b: np.ndarray, frames: int, mode: str = "slerp") -> np.ndarray:
    fn = slerp if mode == "slerp" else lerp
    return np.stack([fn(a, b, t) for t in np.linspace(0.0, 1.0, max(frames, 2))])


def along_direction(z: np.ndarray, direction: np.ndarray, amounts) -> np.ndarray:
    d = np.asarray(direction, np.float32)
    return np.stack([z + a * d for a in amounts]).astype(np.float32)


def render_many(gen, latents: np.ndarray, batch: int = 64):
    """Frames for a strip or GIF; yields Progress, returns (N, H, W, 3) uint8."""
    out = []
    for start in range(0, len(latents), batch):
        out.append(gen.render(latents[start : start + batch]))
        yield Progress(min(start + batch, len(latents)), len(latents), "Rendering frames")
    return np.concatenate(out)


def sample_face_path(generator_key: str, z: np.ndarray) -> Path:
    """Where a map sample's rendered image is kept (PNG, keyed by generator and latent bytes): the hover
    tooltip shows it by file name, like an image map's thumbnails."""
    import hashlib

    key = hashlib.sha1(generator_key.encode() + np.asarray(z, np.float32).tobytes()).hexdigest()
    return cache_dir() / "gan-faces" / key[:2] / f"{key}.png"


def render_samples(gen, latents: np.ndarray, indices, size: int = 128, chunk: int = 16):
    """Generator for the runner (the image map's thumbnail protocol): renders the samples `indices`
    in batches, keeps each as a PNG, yields Partial([(index, rgb)]); returns the count."""
    from PIL import Image

    from latentview.core.progress import Partial

    indices = [int(i) for i in indices]
    for start in range(0, len(indices), chunk):
        part = indices[start : start + chunk]
        imgs = gen.render(np.asarray(latents, np.float32)[part])
        out = []
        for i, img in zip(part, imgs):
            path = sample_face_path(gen.key, latents[i])
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.part.png")
                Image.fromarray(np.ascontiguousarray(img)).save(tmp)
                os.replace(tmp, path)
            out.append((i, img))
        yield Partial(out)
        yield Progress(min(start + chunk, len(indices)), len(indices), "Rendering samples")
    return len(indices)


def face_source(gen, latents: np.ndarray) -> dict:
    """Dataset.meta entries that let the map, hover and Inspector show a sample's image:
    'thumbs' (indices, size) → runner task, 'thumb_file' index → cached PNG path or None."""

    def thumbs(indices, size: int = 128):
        return render_samples(gen, latents, indices, size)

    def thumb_file(i: int) -> str | None:
        path = sample_face_path(gen.key, latents[int(i)])
        return str(path) if path.exists() else None

    return {"thumbs": thumbs, "thumb_file": thumb_file}


# --- export ------------------------------------------------------------------------------------------
def upscale(img: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour upscaling to about `size` pixels (whole multiples keep pixels crisp)."""
    f = max(1, size // img.shape[0])
    return np.repeat(np.repeat(img, f, axis=0), f, axis=1)


def strip(frames: np.ndarray, size: int = 128, gap: int = 2) -> np.ndarray:
    frames = [upscale(f, size) for f in frames]
    h = frames[0].shape[0]
    sep = np.full((h, gap, 3), 255, np.uint8)
    parts = [p for f in frames for p in (f, sep)][:-1]
    return np.concatenate(parts, axis=1)


def save_png(img: np.ndarray, path: str | Path) -> None:
    from PIL import Image

    with atomic_path(path) as tmp:  # the format follows the target's extension (kept by the temp name)
        Image.fromarray(np.ascontiguousarray(img)).save(tmp)


def save_gif(
    frames: np.ndarray, path: str | Path, size: int = 128, fps: float = 12, bounce: bool = False
) -> int:
    """An animated GIF with exactly one GIF frame per input frame (identical neighbours are kept)."""
    from PIL import Image

    seq = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    images = [Image.fromarray(upscale(f, size)) for f in seq]
    with atomic_path(path) as tmp:
        images[0].save(tmp, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0,
                       optimize=False, disposal=1)  # fmt: skip
    return len(images)


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


# --- the latent map --------------------------------------------------------------------------------
def sample_map(gen, n: int = 1000, space: str = "latent", embedder: str | None = None, seed: int = 1,
               batch: int = 32):  # fmt: skip
    """N sampled latents as a Dataset for the map: their latents, or their images' CNN embeddings."""
    z = np.random.default_rng(seed + 10_000).standard_normal((n, gen.nz)).astype(np.float32)
    if space == "latent":
        emb = z
        model = f"{gen.name} latents"
    else:
        from latentview.backends.embedders import DEFAULT_MODEL, get_embedder

        yield Log(f"Loading {embedder or DEFAULT_MODEL} to embed {n} generated images", "info")
        enc = get_embedder(embedder or DEFAULT_MODEL)
        meter = RateMeter(n)
        parts = []
        for start in range(0, n, batch):
            imgs = gen.render(z[start : start + batch])
            parts.append(enc.embed(_resize(imgs, enc.input_size)))
            yield meter.update(min(start + batch, n), "Embedding generated images", "images")
        emb = np.concatenate(parts).astype(np.float32)
        model = f"{gen.name} images · {enc.name}"
    items = [f"sample {i}" for i in range(n)]
    return Dataset("gan", items, ["sample"] * n, emb, source=gen.name, model=model,
                   meta={"latents": z, "generator": gen.key, "space": space, **face_source(gen, z)})  # fmt: skip


def _resize(imgs: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(i).resize((size, size), Image.BILINEAR)) for i in imgs])


class MapLocator:
    """Where an arbitrary latent sits on a map of samples. If the map is a linear image of the latents
    (PCA of latents: R² ≈ 1) the exact linear map is used, so paths are smooth; otherwise (UMAP, t-SNE,
    CNN embeddings) the inverse-distance-weighted mean of the k nearest samples' positions."""

    def __init__(self, latents: np.ndarray, coords: np.ndarray, k: int = 6):
        self.latents = np.asarray(latents, np.float32)
        self.coords = np.asarray(coords, np.float64)
        self.k = min(k, len(self.latents))
        x = np.c_[self.latents, np.ones(len(self.latents))].astype(np.float64)
        self.weights, *_ = np.linalg.lstsq(x, self.coords, rcond=None)
        resid = ((x @ self.weights - self.coords) ** 2).sum()
        spread = ((self.coords - self.coords.mean(0)) ** 2).sum()
        self.linear = bool(spread > 0 and resid / spread < 1e-4)

    def locate(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(np.asarray(z, np.float32))
        if self.linear:
            return np.c_[z, np.ones(len(z))] @ self.weights
        d2 = ((z[:, None, :] - self.latents[None, :, :]) ** 2).sum(-1)
        idx = np.argpartition(d2, self.k - 1, axis=1)[:, : self.k]
        w = 1.0 / (np.sqrt(np.take_along_axis(d2, idx, 1)) + 1e-6)
        w /= w.sum(1, keepdims=True)
        return (self.coords[idx] * w[..., None]).sum(1)


# --- opening generators and keeping their named directions ------------------------------------------
def open_generator(name: str, nz: int | None = None, trusted: bool | str = False, ask: bool = True):
    """Load a built-in (by name) or a user file in the background. Returns the Generator; or the
    string message of a LatentSizeNeeded error so the window can ask for the size and try again; or,
    for a TorchScript file not yet trusted (with `ask`), a `TrustNeeded` so the window can ask first
    and retry with the confirmed digest as `trusted` (see services/trust_store.py)."""
    yield Progress(0, 0, "Loading generator")
    from latentview.backends import trust_store
    from latentview.backends.generators import (
        GENERATORS,
        LatentSizeNeeded,
        get_generator,
        load_generator_file,
        register_loaded,
    )

    def load(ok: bool):
        if nz is not None:
            return get_generator(register_loaded(load_generator_file(name, nz, trusted=ok), name))
        return get_generator(name, trusted=ok)

    try:
        if name in GENERATORS:
            return load(False)
        return trust_store.load_or_ask(load, name, trusted, ask)
    except LatentSizeNeeded as exc:
        return str(exc)


def named_directions_path(generator_key: str) -> Path:
    from latentview.backends.paths import config_dir

    return config_dir() / "gan" / f"{generator_key}-directions.npz"


def persist_named(directions: Directions, generator_key: str) -> None:
    """Fitted (named) directions live beside the generator's identity, so they come back next time."""
    path = named_directions_path(generator_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_directions(path, directions, generator_key, only_named=True)


def builtin_generators() -> dict:
    """name → spec of the generators that ship with the app (for the GAN panel's combo)."""
    from latentview.backends.generators import GENERATORS

    return GENERATORS
