"""Image folders that look like users' collections, built offline and deterministically.

No labelled photo set ships offline, so each category mixes what does: several distinct real photos
from scikit-image / scikit-learn (re-framed, recoloured, rotated, pasted on backgrounds, saved at
varied sizes and JPEG qualities), the LFW face thumbnails, digits and documents drawn with real fonts
at photo size, and generated scenes, charts and shapes. The demo, the cluster-quality tests and
`benchmarks/cluster_quality.py` all draw from here.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype", "/usr/share/fonts")
WORDS = ("the map shows how images group by what they depict and where the model places each one "
         "report summary page data table figure total results method section note invoice date "
         "amount number address account meeting project budget review plan").split()  # fmt: skip


def _rgb(a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    if a.dtype != np.uint8:
        a = (255 * (a - a.min()) / max(float(a.max() - a.min()), 1e-9)).astype(np.uint8)
    return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else np.ascontiguousarray(a[..., :3])


@lru_cache(maxsize=1)
def photos() -> dict[str, list[np.ndarray]]:
    """Real photos per category, several distinct ones where what ships allows."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    china, flower = load_sample_images().images
    lfw = data.lfw_subset()
    moto = data.stereo_motorcycle()
    return {
        "animals": [_rgb(data.chelsea()), _rgb(data.horse())],
        "cat": [_rgb(data.chelsea())],
        "food": [_rgb(data.coffee())],
        "space": [_rgb(data.rocket()), _rgb(data.astronaut()), _rgb(data.moon()), _rgb(data.hubble_deep_field())],
        "vehicles": [_rgb(moto[0]), _rgb(moto[1])],
        "microscopy": [_rgb(data.immunohistochemistry()), _rgb(data.cell()), _rgb(data.retina()),
                       _rgb(data.microaneurysms())],
        "textures": [_rgb(data.brick()), _rgb(data.grass()), _rgb(data.gravel())],
        "places": [_rgb(china), _rgb(flower), _rgb(data.camera())],
        "objects": [_rgb(data.coins()), _rgb(data.clock())],
        "faces": [_rgb(f) for f in lfw[:100]],
        "non-faces": [_rgb(f) for f in lfw[100:]],
        "scanned pages": [_rgb(data.page()), _rgb(data.text())],
    }  # fmt: skip


def font(size: int, rng: np.random.Generator | None = None):
    """A real TrueType font (DejaVu when installed; Pillow's built-in otherwise)."""
    from PIL import ImageFont

    files = []
    for d in FONT_DIRS:
        if os.path.isdir(d):
            files = sorted(str(p) for p in Path(d).rglob("*.ttf"))
            if files:
                break
    files = [f for f in files if "Math" not in f] or files
    if files:
        path = files[int(rng.integers(len(files)))] if rng is not None else files[0]
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _colour(rng, low=0, high=256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(low, high, 3))


def _canvas(rng, w: int, h: int, light: bool = True):
    """A background as photos of paper, screens and walls have: flat, a gradient or noise."""
    from PIL import Image

    base = np.array(_colour(rng, 170, 256) if light else _colour(rng, 0, 90), np.float32)
    kind = rng.integers(3)
    img = np.broadcast_to(base, (h, w, 3)).copy()
    if kind == 1:
        img *= np.linspace(0.8, 1.1, w, dtype=np.float32)[None, :, None]
    elif kind == 2:
        img += rng.normal(0, 10, (h, w, 1)).astype(np.float32)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


# --- real photos, varied -----------------------------------------------------------------------------
def vary_photo(img: np.ndarray, rng: np.random.Generator):
    """A photo as it turns up in a folder: a framing of it, recoloured, maybe rotated or pasted."""
    from PIL import Image, ImageEnhance, ImageOps

    h, w = img.shape[:2]
    if min(h, w) >= 64:
        s = rng.uniform(0.55, 1.0)
        ch, cw = max(32, int(h * s)), max(32, int(w * s * rng.uniform(0.8, 1.2)))
        cw = min(cw, w)
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        img = img[y : y + ch, x : x + cw]
    im = Image.fromarray(np.ascontiguousarray(img))
    if rng.random() < 0.5:
        im = ImageOps.mirror(im)
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.75, 1.25))
    im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.75, 1.3))
    im = ImageEnhance.Color(im).enhance(rng.uniform(0.5, 1.4))
    if rng.random() < 0.25:
        im = im.rotate(float(rng.uniform(-20, 20)), resample=Image.Resampling.BICUBIC, expand=True,
                       fillcolor=_colour(rng))  # fmt: skip
    side = int(rng.integers(160, 400))
    im = im.resize(_fit(im.size, side), Image.Resampling.LANCZOS)
    if rng.random() < 0.2:  # a photo pasted on a page or a screen
        bg = _canvas(rng, int(im.width * 1.3), int(im.height * 1.3), light=rng.random() < 0.7)
        bg.paste(
            im,
            (int(rng.integers(0, bg.width - im.width + 1)), int(rng.integers(0, bg.height - im.height + 1))),
        )
        im = bg
    return im


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    scale = side / max(w, h)
    return max(16, round(w * scale)), max(16, round(h * scale))


# --- drawn images ------------------------------------------------------------------------------------
def draw_digit(rng: np.random.Generator, digit: int | None = None):
    """A digit drawn at photo size: real fonts, sizes, colours, backgrounds, a slight rotation."""
    from PIL import Image, ImageDraw

    side = int(rng.integers(160, 320))
    light = rng.random() < 0.75
    im = _canvas(rng, side, side, light)
    d = ImageDraw.Draw(im)
    text = str(int(rng.integers(10)) if digit is None else digit)
    f = font(int(side * rng.uniform(0.45, 0.8)), rng)
    ink = _colour(rng, 0, 90) if light else _colour(rng, 170, 256)
    box = d.textbbox((0, 0), text, font=f)
    tw, th = box[2] - box[0], box[3] - box[1]
    x = rng.integers(0, max(1, side - tw)) - box[0]
    y = rng.integers(0, max(1, side - th)) - box[1]
    d.text((int(x), int(y)), text, font=f, fill=ink)
    return im.rotate(
        float(rng.uniform(-15, 15)), resample=Image.Resampling.BICUBIC, fillcolor=im.getpixel((0, 0))
    )


def draw_document(rng: np.random.Generator):
    """A page of text (a scan, a screenshot of a note): lines of words in a real font."""
    from PIL import ImageDraw

    w = int(rng.integers(220, 400))
    h = int(w * rng.uniform(1.1, 1.45))
    im = _canvas(rng, w, h, True)
    d = ImageDraw.Draw(im)
    size = int(rng.integers(9, 18))
    f, ink = font(size, rng), _colour(rng, 0, 70)
    y = int(rng.integers(8, 30))
    if rng.random() < 0.6:  # a heading
        d.text((12, y), " ".join(rng.choice(WORDS, 3)).title(), font=font(size + 6, rng), fill=ink)
        y += size * 2 + 6
    while y < h - size - 8:
        words = " ".join(rng.choice(WORDS, int(rng.integers(3, 12))))
        d.text((12, y), words, font=f, fill=ink)
        y += int(size * rng.uniform(1.3, 1.8))
    return im


def draw_shapes(rng: np.random.Generator):
    """A generated scene: a few filled shapes on a background (stickers, icons, toy pictures)."""
    from PIL import ImageDraw

    w, h = int(rng.integers(180, 360)), int(rng.integers(180, 360))
    im = _canvas(rng, w, h, rng.random() < 0.6)
    d = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(2, 7))):
        x0, y0 = int(rng.integers(0, w - 20)), int(rng.integers(0, h - 20))
        s = int(rng.integers(20, max(21, min(w, h) // 2)))
        box = [x0, y0, x0 + s, y0 + int(s * rng.uniform(0.6, 1.4))]
        kind, fill = rng.integers(4), _colour(rng)
        if kind == 0:
            d.ellipse(box, fill=fill)
        elif kind == 1:
            d.rectangle(box, fill=fill)
        elif kind == 2:
            d.polygon([(box[0], box[3]), ((box[0] + box[2]) // 2, box[1]), (box[2], box[3])], fill=fill)
        else:
            d.regular_polygon((x0 + s / 2, y0 + s / 2, s / 2), int(rng.integers(5, 9)), fill=fill)
    return im


def draw_chart(rng: np.random.Generator, kind: str | None = None):
    """A chart as in a folder of screenshots: bars, a line plot or a pie, with axes and a title."""
    from PIL import ImageDraw

    kind = kind or str(rng.choice(["bar chart", "line plot", "pie chart"]))
    w, h = int(rng.integers(240, 400)), int(rng.integers(180, 300))
    im = _canvas(rng, w, h, True)
    d = ImageDraw.Draw(im)
    f = font(int(rng.integers(10, 15)), rng)
    d.text((10, 6), " ".join(rng.choice(WORDS, 2)).title(), font=f, fill=(30, 30, 30))
    x0, y0, x1, y1 = 30, 30, w - 12, h - 24
    n = int(rng.integers(3, 9))
    if kind == "pie chart":
        r = min(x1 - x0, y1 - y0) // 2
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        cuts = np.cumsum(rng.dirichlet(np.ones(n))) * 360
        start = float(rng.uniform(0, 360))
        for a, b in zip([0.0, *cuts[:-1]], cuts):
            d.pieslice(
                [cx - r, cy - r, cx + r, cy + r], start + a, start + b, fill=_colour(rng), outline="white"
            )
        return im
    d.line([(x0, y0), (x0, y1), (x1, y1)], fill=(40, 40, 40), width=2)
    values = rng.uniform(0.1, 1.0, n)
    if kind == "bar chart":
        bw, fill = (x1 - x0) / n, _colour(rng, 0, 200)
        for i, v in enumerate(values):
            d.rectangle([x0 + i * bw + 3, y1 - v * (y1 - y0), x0 + (i + 1) * bw - 3, y1 - 1], fill=fill)
    else:
        for _ in range(int(rng.integers(1, 4))):
            ys = y1 - np.cumsum(rng.normal(0, 0.15, 12)).clip(-0.9, 0.9) * 0.5 * (y1 - y0) - 0.5 * (y1 - y0)
            xs = np.linspace(x0 + 2, x1, 12)
            d.line(
                list(zip(xs.tolist(), ys.tolist())), fill=_colour(rng, 0, 200), width=int(rng.integers(1, 4))
            )
    return im


def gan_faces(n: int, seed: int) -> list:
    """Faces from the face generator (`gan-face-generate`, non-commercial licence), when installed."""
    from PIL import Image

    from latentview.backends.generators import get_generator

    gen = get_generator("face-dcgan")
    z = np.random.default_rng(seed).standard_normal((n, gen.nz)).astype(np.float32)
    return [Image.fromarray(img).resize((160, 160), Image.Resampling.BICUBIC) for img in gen.render(z)]


# --- the sets ------------------------------------------------------------------------------------------
def _photo_maker(category: str):
    def make(rng):
        srcs = photos()[category]
        return vary_photo(srcs[int(rng.integers(len(srcs)))], rng)

    return make


def _faces_maker(rng):
    from PIL import Image

    srcs = photos()["faces"]
    im = Image.fromarray(srcs[int(rng.integers(len(srcs)))])
    return vary_photo(np.asarray(im.resize((128, 128), Image.Resampling.BICUBIC)), rng)


SETS: dict[str, dict] = {
    # A camera roll / downloads folder: ten everyday kinds, each from several sources.
    "everyday": {
        "faces": _faces_maker,
        "digits": draw_digit,
        "documents": draw_document,
        "shapes": draw_shapes,
        "charts": draw_chart,
        "animals": _photo_maker("animals"),
        "space": _photo_maker("space"),
        "microscopy": _photo_maker("microscopy"),
        "textures": _photo_maker("textures"),
        "places": _photo_maker("places"),
    },
    # Screenshots and figures: fine distinctions between drawn things.
    "figures": {
        "bar charts": lambda rng: draw_chart(rng, "bar chart"),
        "line plots": lambda rng: draw_chart(rng, "line plot"),
        "pie charts": lambda rng: draw_chart(rng, "pie chart"),
        "documents": draw_document,
        "digits": draw_digit,
        "shapes": draw_shapes,
    },
    # The built-in demo: eleven kinds a first look should tell apart, photos and drawn images mixed.
    "demo": {
        "cat": _photo_maker("cat"),
        "coffee": _photo_maker("food"),
        "space": _photo_maker("space"),
        "microscopy": _photo_maker("microscopy"),
        "textures": _photo_maker("textures"),
        "places": _photo_maker("places"),
        "faces": _faces_maker,
        "digits": draw_digit,
        "documents": draw_document,
        "charts": draw_chart,
        "shapes": draw_shapes,
    },
    # Photos only: few real sources per category, heavily varied.
    "photos": {
        c: _photo_maker(c)
        for c in ("animals", "food", "space", "vehicles", "microscopy", "textures", "places", "objects")
    }
    | {"faces": _faces_maker},  # fmt: skip
}


def write_set(name: str, root: str | os.PathLike, per_category: int = 40, seed: int = 0,
              extra: dict | None = None) -> Path:  # fmt: skip
    """Write set `name` to `root/<category>/<category>_NNN.jpg` (deterministic for a seed); returns root.

    `extra` maps more category names to lists of PIL images (e.g. the GAN's faces).
    """
    root = Path(root)
    makers = SETS[name]
    for ci, (category, make) in enumerate(sorted(makers.items())):
        rng = np.random.default_rng([seed, ci])
        images = [make(rng) for _ in range(per_category)]
        _save_all(root / category, category, images, rng)
    for category, images in (extra or {}).items():
        _save_all(root / category, category, images, np.random.default_rng([seed, 999]))
    return root


def _save_all(folder: Path, category: str, images: list, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = category.replace(" ", "-")
    for i, im in enumerate(images):
        tmp = folder / f".{i:03d}.tmp"
        im.convert("RGB").save(tmp, "JPEG", quality=int(rng.integers(70, 95)))
        os.replace(tmp, folder / f"{stem}_{i:03d}.jpg")
