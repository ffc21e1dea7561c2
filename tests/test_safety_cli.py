"""Issue 10 through the real entry point: file names cannot drive the terminal, CSV cells cannot run
in a spreadsheet, the 1×20000 PNG is refused cheaply, and an embed writes nothing outside latentview's
own cache and config folders (ONNX Runtime's telemetry is off)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PIL import Image

EVIL = "evil\x1b[2J\nfiles 999, embedded 999.png"


def _folder(root):
    (root / "=HYPERLINK(1)").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(
            root / "=HYPERLINK(1)" / f"{i}.png"
        )
    (root / EVIL).write_bytes(b"not an image")
    Image.new("RGB", (1, 20000)).save(root / "strip.png", optimize=True)
    assert (root / "strip.png").stat().st_size < 400


def test_embed_in_a_fresh_home_escapes_names_neutralises_csv_and_writes_nowhere_else(tmp_path):
    root = tmp_path / "photos"
    _folder(root)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATENTVIEW_", "XDG_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"),
               QT_QPA_PLATFORM="offscreen")  # fmt: skip
    env.pop("ORT_DISABLE_TELEMETRY", None)  # latentview must switch it off itself
    out = tmp_path / "map.csv"
    res = subprocess.run([sys.executable, "-m", "latentview", "embed", str(root), "-o", str(out), "--projection",
                          "pca"], capture_output=True, text=True, timeout=900, env=env)  # fmt: skip
    assert res.returncode == 0, res.stderr
    text = res.stdout + res.stderr
    assert "\x1b" not in text and "\\x1b[2J\\nfiles 999" in text  # the name, escaped
    assert [line for line in res.stdout.splitlines() if line.startswith("files ")] == [
        res.stdout.splitlines()[0]
    ]
    assert "aspect ratio 1×20000" in res.stderr  # refused before decoding, with its reason
    csv = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in csv and ",=HYPERLINK" not in csv
    written = [p.relative_to(home) for p in home.rglob("*") if p.is_file()]
    assert written, "expected latentview's own cache in the fresh home"
    outside = [p for p in written if p.parts[:2] not in ((".cache", "latentview"), (".config", "latentview"))]
    assert not outside, f"written outside latentview's folders: {outside}"
    assert not (home / ".cache" / "Microsoft").exists()


def test_the_1x20000_png_costs_little_memory_and_time(tmp_path):
    path = tmp_path / "strip.png"
    Image.new("RGB", (1, 20000)).save(path, optimize=True)
    wide = tmp_path / "wide.png"
    Image.new("RGB", (20000, 250)).save(wide)  # 80:1, accepted: only the centre square is resized
    code = f"""
import resource, time
from latentview.backends.images import load_rgb, ImageLoadError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    load_rgb({str(path)!r})
except ImageLoadError as exc:
    print(exc)
print(load_rgb({str(wide)!r}).shape)
print(time.perf_counter() - t0, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = res.stdout.splitlines()
    assert res.returncode == 0, res.stderr
    assert lines[0].startswith("refused: extreme aspect ratio 1×20000") and lines[1] == "(224, 224, 3)"
    seconds, megabytes = map(float, lines[2].split())
    assert seconds < 1.0 and megabytes < 200, lines[2]
