"""Failures are cached with the file's signature and tried again when the file changes or when the user
asks; temporary ones (a vanished file, permission denied) are never cached (issue 11)."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from latentview.core.progress import Log, Progress
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive
from tests.fault_tools import make_images, register_tiny


@pytest.fixture
def tiny():
    from latentview.backends import embedders

    yield register_tiny()
    embedders.EMBEDDERS.pop("tiny-test", None)


def _run(folder, model, **kw):
    logs = []
    ds = drive(ingest_folder(str(folder), IngestOptions(model=model, **kw)), None, None, logs.append)
    return ds, [e.message for e in logs if isinstance(e, Log)]


def _cached_paths(cache_dir) -> set[str]:
    with sqlite3.connect(cache_dir / "embeddings.sqlite") as db:
        return {os.fsdecode(p) for (p,) in db.execute("SELECT path FROM embeddings")}


def test_a_file_that_vanished_mid_run_is_not_cached_and_comes_back(tmp_path, fresh_cache, tiny):
    folder = tmp_path / "photos"
    make_images(folder, 6)
    victim = folder / "003.png"
    backup = tmp_path / "backup.png"
    shutil.copy2(victim, backup)
    gen = ingest_folder(str(folder), IngestOptions(model=tiny))
    logs = []
    for event in gen:  # the scan is done once the cache is read: now the file disappears
        if isinstance(event, Progress) and event.message == "Reading cache":
            victim.unlink()
        if isinstance(event, Log):
            logs.append(event.message)
    assert any("003.png: file disappeared" in m and "not cached" in m for m in logs)
    assert str(victim) not in _cached_paths(fresh_cache)
    shutil.copy2(backup, victim)  # restored like `cp -p`: same size and mtime
    ds, _ = _run(folder, tiny)
    assert str(victim) in ds.items and len(ds) == 6


def test_a_cached_failure_is_retried_when_the_file_changes_even_with_the_old_mtime(
    tmp_path, fresh_cache, tiny
):
    from PIL import Image

    folder = tmp_path / "photos"
    make_images(folder, 4)
    bad = folder / "bad.png"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(tmp_path / "good.png")
    size = (tmp_path / "good.png").stat().st_size + 64
    bad.write_bytes(b"\x00" * size)  # garbage of the same size the repaired file will have
    ds, logs = _run(folder, tiny)
    assert [os.path.basename(f.item) for f in ds.failures] == ["bad.png"]
    assert str(bad) in _cached_paths(fresh_cache)  # a real failure is cached …
    ds, logs = _run(folder, tiny)
    assert any("bad.png" in m and "(cached)" in m for m in logs)  # … and not tried again
    st = bad.stat()
    bad.write_bytes((tmp_path / "good.png").read_bytes() + b"\x00" * 64)  # repaired, same size
    os.utime(bad, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime, as `cp -p` would
    ds, logs = _run(folder, tiny)
    assert str(bad) in ds.items and not ds.failures


def test_retry_failed_tries_cached_failures_again(tmp_path, fresh_cache, tiny, monkeypatch):
    from latentview.services import ingest

    folder = tmp_path / "photos"
    make_images(folder, 4)
    (folder / "bad.png").write_bytes(b"not a png")
    ds, _ = _run(folder, tiny)
    assert len(ds.failures) == 1
    tried = []
    real = ingest._load
    monkeypatch.setattr(ingest, "_load", lambda p, s: tried.append(os.path.basename(p)) or real(p, s))
    _run(folder, tiny)
    assert tried == []  # cached
    ds, logs = _run(folder, tiny, retry_failed=True)
    assert tried == ["bad.png"] and len(ds.failures) == 1
    assert not any("(cached)" in m for m in logs)
