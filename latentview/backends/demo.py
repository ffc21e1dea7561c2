"""The built-in demo: a labelled image folder made from photos that ship inside scikit-image/sklearn.

No large labelled photo set ships offline, so each category is random crops (scale, position,
flip) of one real photo or a family of real images; crops of the same scene must land together.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_path

DEMO_VERSION = 2
PER_CATEGORY = 24


def _sources() -> dict[str, list[np.ndarray]]:
    from skimage import data
    from sklearn.datasets import load_sample_images

    def rgb(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        if a.dtype != np.uint8:
            a = (255 * (a - a.min()) / max(float(a.max() - a.min()), 1e-9)).astype(np.uint8)
        return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else a[..., :3]

    china, flower = load_sample_images().images
    lfw = data.lfw_subset()  # first 100 are faces, the rest are not
    return {
        "cat": [rgb(data.chelsea())],
        "coffee": [rgb(data.coffee())],
        "astronaut": [rgb(data.astronaut())],
        "rocket": [rgb(data.rocket())],
        "motorcycle": [rgb(data.stereo_motorcycle()[0])],
        "galaxies": [rgb(data.hubble_deep_field())],
        "microscopy": [rgb(data.immunohistochemistry())],
        "textures": [rgb(data.brick()), rgb(data.grass()), rgb(data.gravel())],
        "temple": [rgb(china)],
        "flower": [rgb(flower)],
        "faces": [rgb(f) for f in lfw[:100]],
    }


def _crop(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    side = min(h, w)
    if side < 64:  # tiny thumbnails (faces): keep whole, jitter only by flip
        crop = img
    else:
        s = int(side * rng.uniform(0.45, 0.9))
        y, x = rng.integers(0, h - s + 1), rng.integers(0, w - s + 1)
        crop = img[y : y + s, x : x + s]
    return crop[:, ::-1] if rng.random() < 0.5 else crop


def demo_folder(per_category: int = PER_CATEGORY) -> Path:
    """Build once into the user cache (deterministic), then reuse."""
    from PIL import Image

    root = cache_dir() / f"demo-v{DEMO_VERSION}-{per_category}"
    marker = root / ".complete"
    if marker.exists():
        return root
    rng = np.random.default_rng(7)
    for name, images in _sources().items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_category):
            src = images[i % len(images)] if len(images) > per_category else images[rng.integers(len(images))]
            im = Image.fromarray(np.ascontiguousarray(_crop(src, rng)))
            if min(im.size) < 160:
                im = im.resize((160, 160), Image.Resampling.BICUBIC)
            elif max(im.size) > 320:
                im.thumbnail((320, 320), Image.Resampling.LANCZOS)
            with atomic_path(folder / f"{name}_{i:03d}.jpg") as tmp:
                im.save(tmp, "JPEG", quality=90)
    marker.write_text("ok\n")
    return root
