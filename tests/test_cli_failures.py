"""Every failure of a headless command is one sentence and a non-zero exit, never a traceback, and leaves
no partial or temporary file behind (issue 11). Real faults: missing and read-only folders, a file size
limit (a real failed write), unreadable files for a process without root's bypass, bad weights."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fault_tools import REPO, deny_writes, make_images, run_tiny_embed, unprivileged

TINY = ("--model", "tiny-test", "--projection", "pca")


def _one_sentence(res: subprocess.CompletedProcess, prog: str) -> str:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{prog}: ") and last.endswith("."), res.stderr
    return last


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-faults") / "photos"
    make_images(root / "a", 12)
    make_images(root / "b", 12)
    return root


def test_output_in_a_missing_folder_fails_before_embedding(photos, tmp_path):
    res = run_tiny_embed(str(photos), "-o", str(tmp_path / "absent" / "map.csv"), *TINY)
    line = _one_sentence(res, "latentview embed")
    assert "Cannot write" in line and "No such file or directory" in line
    assert "Embedding" not in res.stderr  # checked first, not after minutes of work


def test_output_in_a_read_only_folder(photos, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with deny_writes(out):
        res = run_tiny_embed(str(photos), "-o", str(out / "map.parquet"), *TINY)
    line = _one_sentence(res, "latentview embed")
    assert "Cannot write" in line and "map.parquet" in line
    assert _leftovers(out) == []


def test_a_failed_write_leaves_neither_output_nor_temp_file(photos, tmp_path):
    """A real write failure (the file-size limit: EFBIG) halfway through the Parquet output; the
    cache hits the same limit and the run says so, then fails with one sentence."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.parquet").write_bytes(b"the previous export")
    env = {"LATENTVIEW_CACHE_DIR": str(tmp_path / "cache")}
    res = run_tiny_embed(str(photos), "-o", str(out / "map.parquet"), *TINY, env=env, limit_file_size=2000)
    line = _one_sentence(res, "latentview embed")
    assert "Cannot write" in line and "map.parquet" in line and "too large" in line.lower()
    assert _leftovers(out) == ["map.parquet"]
    assert (out / "map.parquet").read_bytes() == b"the previous export"  # the old file is intact


def test_a_full_disk_is_a_sentence_and_removes_the_temp_file(photos, tmp_path, monkeypatch, capsys):
    from latentview.backends import embedders
    from latentview.cli.embed import main
    from latentview.services import export
    from tests.fault_tools import register_tiny

    register_tiny()
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "cache"))
    real = export._CsvBlocks.close

    def full(self):
        real(self)  # the data is written, then the disk fills up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export._CsvBlocks, "close", full)
    out = tmp_path / "out"
    out.mkdir()
    try:
        code = main([str(photos), "-o", str(out / "map.csv"), *TINY])
    finally:
        embedders.EMBEDDERS.pop("tiny-test", None)
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert (
        err.strip().splitlines()[-1]
        == f"latentview embed: Cannot write {out / 'map.csv'}: No space left on device."
    )
    assert _leftovers(out) == []  # no OUT.csv.part left behind


def _deep_tree(root: Path, depth: int) -> Path:
    p = root
    for _ in range(depth):  # os.makedirs recurses once per level: build it level by level
        p = p / "d"
        p.mkdir()
    return p


def _remove_deep(root: Path) -> None:
    """shutil.rmtree recurses once per level too: remove the deepest folders first."""
    for dirpath, files in sorted(_walk(root), key=lambda t: -len(t[0])):
        for f in files:
            os.unlink(os.path.join(dirpath, f))
        os.rmdir(dirpath)


def _walk(root: Path):
    stack = [str(root)]
    while stack:
        d = stack.pop()
        entries = list(os.scandir(d))
        stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        yield d, [e.name for e in entries if not e.is_dir(follow_symlinks=False)]


def test_a_folder_tree_1100_deep_is_embedded(tmp_path):
    root = tmp_path / "deep"
    make_images(root, 2)
    bottom = _deep_tree(root, 1100)
    make_images(bottom, 1)
    try:
        res = run_tiny_embed(str(root), "-o", str(tmp_path / "map.csv"), *TINY,
                             env={"LATENTVIEW_CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
        assert res.returncode == 0, res.stderr[-2000:]
        assert "embedded 3, failed 0" in res.stdout
    finally:
        _remove_deep(root)


def test_a_file_unreadable_then_fixed_is_embedded_on_the_next_run(photos, tmp_path):
    import sqlite3

    folder = tmp_path / "photos"
    make_images(folder, 5)
    locked = folder / "002.png"
    locked.chmod(0)
    env = {"LATENTVIEW_CACHE_DIR": str(tmp_path / "cache")}
    res = run_tiny_embed(str(folder), "-o", str(tmp_path / "map.csv"), *TINY, env=env, drop_privileges=True)
    assert res.returncode == 0, res.stderr
    assert "embedded 4, failed 1" in res.stdout and "permission denied" in res.stderr
    with sqlite3.connect(tmp_path / "cache" / "embeddings.sqlite") as db:
        cached = {os.fsdecode(p) for (p,) in db.execute("SELECT path FROM embeddings")}
    assert str(locked) not in cached and len(cached) == 4  # a temporary failure is not cached
    locked.chmod(0o644)
    res = run_tiny_embed(str(folder), "-o", str(tmp_path / "map.csv"), *TINY, env=env, drop_privileges=True)
    assert res.returncode == 0, res.stderr
    assert "embedded 5, failed 0" in res.stdout


def _gan(*args, env=None):
    cmd = [sys.executable, "-m", "latentview", "gan", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_gan_weights_of_the_wrong_shapes_are_a_sentence(tmp_path):
    import numpy as np
    from safetensors.numpy import save_file

    # Two transposed convolutions that do not chain: 64 channels out, 32 expected in.
    bad = tmp_path / "bad.safetensors"
    rng = np.random.default_rng(0)
    save_file({"0.weight": rng.standard_normal((100, 64, 4, 4), np.float32),
               "1.weight": rng.standard_normal((32, 3, 4, 4), np.float32)}, str(bad))  # fmt: skip
    res = _gan("render", "--generator", str(bad), "-o", str(tmp_path / "face.png"))
    line = _one_sentence(res, "latentview gan")
    assert "bad.safetensors" in line and "do not make a working generator" in line
    assert _leftovers(tmp_path) == ["bad.safetensors"]


def test_gan_output_in_a_missing_folder_is_a_sentence(tmp_path):
    res = _gan("render", "--generator", "digits-vae", "-o", str(tmp_path / "absent" / "x.png"))
    line = _one_sentence(res, "latentview gan")
    assert "Cannot write" in line


def test_words_with_an_unreadable_vectors_file_is_a_sentence(tmp_path):
    vec = tmp_path / "v.vec"
    vec.write_text("2 3\nking 1 2 3\nqueen 1 2 4\n")
    vec.chmod(0)
    cmd = unprivileged(
        [sys.executable, "-m", "latentview", "words", "neighbors", "king", "--vectors", str(vec)]
    )
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO,
                         env={**os.environ, "LATENTVIEW_CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
    line = _one_sentence(res, "latentview words")
    assert "v.vec" in line and "ermission denied" in line
