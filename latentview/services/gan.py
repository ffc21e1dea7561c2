"""GAN latent-space services: seeds, steering state, rendering, interpolation, strip/GIF export and
opening generators. Plain functions and generators; no Qt.

Directions (GANSpace, fitted, their files) live in services/gan_directions.py and the latent map in
services/gan_map.py; their public names are re-exported here, so `services.gan` stays the one door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentview.core.atomic import atomic_path
from latentview.core.progress import Progress
from latentview.services.gan_directions import (  # noqa: F401 (re-exported: services.gan is the door)
    DIRECTIONS_VERSION,
    Directions,
    compute_directions,
    fit_direction,
    load_directions,
    named_directions_path,
    persist_named,
    save_directions,
)
from latentview.services.gan_map import (  # noqa: F401 (re-exported)
    MapLocator,
    face_source,
    render_samples,
    sample_face_path,
    sample_map,
)


def latent_for_seed(seed: int, nz: int) -> np.ndarray:
    """The same seed gives the same latent on every machine (numpy's PCG64, not torch's RNG)."""
    return np.random.default_rng(int(seed)).standard_normal(nz).astype(np.float32)


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


def export_frames(gen, latents: np.ndarray, path: str, kind: str, size: int = 128):
    """Generator for the runner: render the frames and write a strip PNG (kind "png") or an animated
    GIF ("gif"); returns the path."""
    frames = yield from render_many(gen, latents)
    if kind == "gif":
        save_gif(frames, path, size)
    else:
        save_png(strip(frames, size), path)
    return path


# --- directions from the user's groups ----------------------------------------------------------------
# fit_direction, like the GANSpace directions and their files, lives in services/gan_directions.py.


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


def builtin_generators() -> dict:
    """name → spec of the generators that ship with the app (for the GAN panel's combo)."""
    from latentview.backends.generators import GENERATORS

    return GENERATORS
