"""The GAN latent map: sampled latents as a dataset (their latents, or their images' CNN embeddings),
the samples' rendered faces kept as PNGs for hover and thumbnails, and where any latent sits on the map.
Plain functions and generators; no Qt. Re-exported by services.gan.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.dataset import Dataset
from latentview.core.progress import Log, Progress, RateMeter


# --- the samples' faces, kept for hover and thumbnails ---------------------------------------------
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
