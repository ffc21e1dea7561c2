"""Draw the app icon (clusters of coloured dots) into the package and resources/ for the build."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]


def draw(size: int = 256) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((8, 8, size - 8, size - 8), radius=48, fill=(250, 250, 252, 255),
                        outline=(60, 70, 90, 255), width=6)  # fmt: skip
    rng = np.random.default_rng(3)
    for (cx, cy), color in zip([(0.32, 0.35), (0.68, 0.4), (0.45, 0.7)],
                               [(78, 121, 167), (242, 142, 43), (89, 161, 79)]):  # fmt: skip
        for x, y in rng.normal((cx, cy), 0.07, size=(14, 2)):
            r = size * 0.035
            d.ellipse((x * size - r, y * size - r, x * size + r, y * size + r), fill=(*color, 255))
    return img


if __name__ == "__main__":
    icon = draw()
    (ROOT / "latentview" / "assets").mkdir(exist_ok=True)
    icon.save(ROOT / "latentview" / "assets" / "icon.png")
    icon.save(ROOT / "resources" / "latentview.png")
    icon.save(ROOT / "resources" / "latentview.ico", sizes=[(16, 16), (32, 32), (64, 64), (256, 256)])
