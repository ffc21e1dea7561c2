"""The embedding cache is only a cache: each of its faults, made for real, still gives the full map and
one sentence in the log (issue 11)."""

from __future__ import annotations

import sqlite3
import time

import numpy as np
import pytest

from latentview.backends.cache import EmbeddingCache
from latentview.core.progress import Log
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive
from tests.fault_tools import deny_writes, make_images, register_tiny

N = 20


@pytest.fixture
def tiny():
    from latentview.backends import embedders

    yield register_tiny()
    embedders.EMBEDDERS.pop("tiny-test", None)


@pytest.fixture
def folder(tmp_path):
    make_images(tmp_path / "photos", N)
    return tmp_path / "photos"


def _run(folder, model, **kw):
    logs, progress = [], []
    ds = drive(
        ingest_folder(str(folder), IngestOptions(model=model, **kw)), progress.append, None, logs.append
    )
    cache_lines = [e.message for e in logs if isinstance(e, Log) and e.message.startswith("Embedding cache")]
    embedded = any(getattr(p, "message", "").startswith("Loading model") for p in progress)
    return ds, cache_lines, embedded


def _reference(folder, model, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "reference-cache"))
    ds, lines, _ = _run(folder, model)
    assert lines == []
    return ds


def _assert_full(ds, ref):
    assert len(ds) == N and ds.items == ref.items
    assert np.allclose(ds.embeddings, ref.embeddings)


def test_garbage_cache_file_is_moved_aside_and_replaced(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    fresh_cache.mkdir()
    (fresh_cache / "embeddings.sqlite").write_bytes(b"this is not a database \x00\xff" * 200)
    ds, lines, _ = _run(folder, tiny)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "damaged" in lines[0] and "moved aside" in lines[0]
    assert len(list(fresh_cache.glob("embeddings.sqlite.damaged-*"))) == 1
    again, lines, embedded = _run(folder, tiny)  # the fresh cache works: nothing embedded again
    assert lines == [] and not embedded and len(again) == N


def test_truncated_cache_file_gives_the_full_map(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    _run(folder, tiny)
    db = fresh_cache / "embeddings.sqlite"
    db.write_bytes(db.read_bytes()[:700])  # mid-way through the first page
    ds, lines, _ = _run(folder, tiny)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "damaged" in lines[0]


def test_cache_of_another_schema_is_moved_aside(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    fresh_cache.mkdir()
    with sqlite3.connect(fresh_cache / "embeddings.sqlite") as db:
        db.execute("CREATE TABLE embeddings (name TEXT, value REAL)")
    ds, lines, _ = _run(folder, tiny)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "unexpected columns" in lines[0]


def test_a_cache_from_before_ctime_keys_is_migrated(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    fresh_cache.mkdir()
    with sqlite3.connect(fresh_cache / "embeddings.sqlite") as db:
        db.execute("CREATE TABLE embeddings (model TEXT, path BLOB, size INTEGER, mtime_ns INTEGER, "
                   "dim INTEGER, vec BLOB, error TEXT, PRIMARY KEY (model, path))")  # fmt: skip
    ds, lines, _ = _run(folder, tiny)
    assert len(ds) == N and lines == []
    assert EmbeddingCache().count(tiny) == N


def test_one_damaged_row_is_skipped_and_embedded_again(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    _run(folder, tiny)
    with sqlite3.connect(fresh_cache / "embeddings.sqlite") as db:
        (path,) = db.execute("SELECT path FROM embeddings LIMIT 1").fetchone()
        db.execute("UPDATE embeddings SET vec=? WHERE path=?", [b"\x01\x02\x03", path])
    ds, lines, embedded = _run(folder, tiny)
    _assert_full(ds, ref)
    assert embedded  # that one file again
    assert len(lines) == 1 and "1 damaged entry" in lines[0]
    _, lines, embedded = _run(folder, tiny)  # and the row is whole again
    assert lines == [] and not embedded


def test_locked_cache_waits_briefly_then_goes_on_without_it(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    _run(folder, tiny)
    other = sqlite3.connect(fresh_cache / "embeddings.sqlite", isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("DELETE FROM embeddings WHERE rowid IN (SELECT rowid FROM embeddings LIMIT 1)")
    try:
        t0 = time.perf_counter()
        ds, lines, _ = _run(folder, tiny)
        took = time.perf_counter() - t0
    finally:
        other.execute("ROLLBACK")
        other.close()
    _assert_full(ds, ref)
    assert len(lines) == 1 and "locked" in lines[0]
    assert took < 15  # a short wait (2 s), not SQLite's former 30 s


def test_cache_locked_for_writing_keeps_reading(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    _run(folder, tiny)
    for p in make_images(tmp_path / "more", 3):
        p.rename(folder / f"new-{p.name}")
    writer = sqlite3.connect(fresh_cache / "embeddings.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # WAL: readers go on, writers wait
    try:
        ds, lines, _ = _run(folder, tiny)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert len(ds) == N + 3
    old = [ds.items.index(p) for p in ref.items]
    assert np.allclose(ds.embeddings[old], ref.embeddings)
    assert len(lines) == 1 and "locked" in lines[0] and "not kept" in lines[0]


def test_read_only_cache_is_used_without_writing(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    _run(folder, tiny)
    (folder / "000.png").unlink()  # one change, so the run would want to write
    make_images(folder.parent / "extra", 1)
    (folder.parent / "extra" / "000.png").rename(folder / "000.png")
    with deny_writes(fresh_cache / "embeddings.sqlite"):
        ds, lines, _ = _run(folder, tiny)
    assert len(ds) == N and np.allclose(ds.embeddings[1:], ref.embeddings[1:])
    assert len(lines) == 1 and ("read-only" in lines[0] or "does not use it" in lines[0])


def test_full_disk_while_writing_keeps_the_run_going(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    calls = []

    def full(self, sql, values):
        calls.append(len(values))
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(EmbeddingCache, "_executemany", full)
    ds, lines, _ = _run(folder, tiny, batch_size=4)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "disk is full" in lines[0]
    assert len(calls) == 1  # it stopped trying after the first failure


def test_unwritable_cache_folder_means_no_cache(folder, fresh_cache, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    fresh_cache.mkdir()
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(fresh_cache))
    with deny_writes(fresh_cache):
        ds, lines, _ = _run(folder, tiny)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "does not use it" in lines[0]


def test_cache_folder_that_cannot_be_made_means_no_cache(folder, tiny, tmp_path, monkeypatch):
    ref = _reference(folder, tiny, tmp_path, monkeypatch)
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    ds, lines, _ = _run(folder, tiny)
    _assert_full(ds, ref)
    assert len(lines) == 1 and "cache folder" in lines[0]
