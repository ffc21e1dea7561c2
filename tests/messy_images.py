"""A folder of images from the wild: good ones in odd formats, and bad ones that must be listed."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image


def _photo(seed: int, size=(120, 90)) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, 3)
    grad = np.linspace(0, 1, size[0])[None, :, None] * rng.integers(0, 120, 3)
    arr = np.clip(base + grad + rng.normal(0, 8, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def make_messy_folder(root: Path) -> tuple[set[str], set[str]]:
    """Returns (names expected to embed, names expected to fail)."""
    good, bad = set(), set()
    a, b = root / "alpha", root / "beta" / "nested"
    a.mkdir(parents=True)
    b.mkdir(parents=True)

    def add_good(path: Path, img: Image.Image, **kw):
        img.save(path, **kw)
        good.add(path.name)

    add_good(a / "plain.jpg", _photo(1))
    add_good(a / "plain.png", _photo(2))
    cmyk = _photo(3).convert("CMYK")
    add_good(a / "cmyk.jpg", cmyk)
    pal = _photo(4).convert("P", palette=Image.Palette.ADAPTIVE)
    pal.info["transparency"] = 0
    add_good(a / "palette.png", pal, transparency=0)
    rgba = _photo(5).convert("RGBA")
    rgba.putalpha(128)
    add_good(b / "alpha.png", rgba)
    grey16 = Image.fromarray((np.linspace(0, 65535, 120 * 90).reshape(90, 120)).astype(np.uint16))
    add_good(b / "grey16.png", grey16)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    add_good(b / "rotated.jpg", _photo(6, (160, 80)), exif=exif.tobytes())
    add_good(root / "top-level.bmp", _photo(7))
    weird = os.fsencode(str(a)) + b"/caf\xe9-latin1.png"  # not valid UTF-8
    with open(weird, "wb") as fh:
        buf = io.BytesIO()
        _photo(8).save(buf, "PNG")
        fh.write(buf.getvalue())
    good.add(os.fsdecode(b"caf\xe9-latin1.png"))

    (a / "empty.jpg").write_bytes(b"")
    bad.add("empty.jpg")
    (a / "notes.jpg").write_text("this is not a picture\n")
    bad.add("notes.jpg")
    buf = io.BytesIO()
    _photo(9, (400, 300)).save(buf, "JPEG")
    (b / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    bad.add("truncated.jpg")
    Image.new("1", (10_000, 10_000)).save(b / "bomb.png")  # 100 MP > Pillow's safety limit
    bad.add("bomb.png")
    os.symlink(root, b / "loop")  # a symlink loop back to the top
    (a / "readme.txt").write_text("ignored: not an image extension")
    return good, bad
