"""The real entry point in a subprocess: headless embedding and the screenshot mode."""

import os
import re
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.messy_images import make_messy_folder


def _cli(*args, timeout=600, env_extra=None, drop=()):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    for key in drop:
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "latentview", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)  # fmt: skip


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "photos"
    good, bad = make_messy_folder(root)
    return root, good, bad


def test_embed_writes_parquet_with_embeddings_and_errors(messy, tmp_path):
    root, good, bad = messy
    out = tmp_path / "map.parquet"
    res = _cli("embed", str(root), "-o", str(out), "--projection", "pca", "--no-cache")
    assert res.returncode == 0, res.stderr
    assert f"embedded {len(good)}" in res.stdout and "images/s" in res.stdout
    table = pq.read_table(out).to_pydict()
    assert set(table) == {"path", "label", "x", "y", "embedding", "error"}
    ok = [i for i, e in enumerate(table["error"]) if not e]
    assert len(ok) == len(good)
    assert all(len(table["embedding"][i]) == 1280 for i in ok)
    assert all(np.isfinite(table["x"][i]) for i in ok)
    failed = {os.path.basename(p): e for p, e in zip(table["path"], table["error"]) if e}
    assert bad <= set(failed)
    assert "\ufffd" in "".join(table["path"])  # the non-UTF-8 name survived, marked


def test_embed_csv_has_no_embedding_column(messy, tmp_path):
    root, _good, _ = messy
    out = tmp_path / "map.csv"
    res = _cli("embed", str(root), "-o", str(out), "--projection", "pca")
    assert res.returncode == 0, res.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "path,label,x,y,error"


def test_embed_missing_folder_is_a_sentence_and_nonzero(tmp_path):
    res = _cli("embed", str(tmp_path / "absent"), "-o", str(tmp_path / "x.csv"))
    assert res.returncode != 0
    assert "Folder not found" in res.stderr and "Traceback" not in res.stderr


def test_screenshot_of_the_demo_shows_the_umap_map(tmp_path):
    out = tmp_path / "demo.png"
    # A fresh user cache dir whose numba folder starts with the kernels this test run already
    # compiled (a link, to skip the ~40 s compile), so we can see UMAP use and fill the user cache.
    user_cache = tmp_path / "user-cache"
    user_cache.mkdir()
    shared = os.environ.get("NUMBA_CACHE_DIR")
    if shared:
        os.makedirs(shared, exist_ok=True)
        os.symlink(shared, user_cache / "numba")
    res = _cli("--demo", "--screenshot", str(out), timeout=900,
               env_extra={"LATENTVIEW_CACHE_DIR": str(user_cache)}, drop=("NUMBA_CACHE_DIR",))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert re.search(r"\((\d+) named clusters\)", res.stdout).group(1) != "0"  # waited for them
    kernels = list((user_cache / "numba").rglob("*.nbi"))
    assert kernels, "UMAP's compiled kernels must persist in the user cache directory"
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[0] >= 600 and img.shape[1] >= 1000
    # Many differently coloured points: the palette's colours appear in the map area.
    colours = {tuple(c) for c in img[::2, ::2].reshape(-1, 3)[::7]}
    assert len(colours) > 200


def test_screenshot_of_an_unreadable_folder_fails_with_a_sentence(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.png").write_bytes(b"\x89PNG broken")
    res = _cli(str(tmp_path / "junk"), "--screenshot", str(tmp_path / "x.png"))
    assert res.returncode == 1
    assert "no map could be made" in res.stderr and "could be read" in res.stderr
