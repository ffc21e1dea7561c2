import os
import shutil

import numpy as np
import pytest

from latentview.backends.cache import EmbeddingCache
from latentview.core.progress import Log, Progress
from latentview.services.ingest import IngestError, IngestOptions, ingest_folder
from latentview.services.runner import drive
from tests.messy_images import make_messy_folder


def _names(paths):
    return {os.path.basename(p) for p in paths}


def test_messy_folder_embeds_every_good_image_and_lists_every_bad_one(tmp_path, fresh_cache, tiny_embedder):
    good, bad = make_messy_folder(tmp_path / "data")
    logs, progress = [], []
    ds = drive(ingest_folder(str(tmp_path / "data"), IngestOptions(model=tiny_embedder)),
               progress.append, None, logs.append)  # fmt: skip
    assert _names(ds.items) == good
    failed = {os.path.basename(f.item): f.reason for f in ds.failures}
    assert bad <= set(failed)
    assert all(failed[name] for name in bad)
    assert any("symlink loop" in r for r in failed.values())
    assert len({e.message for e in logs if isinstance(e, Log)}) >= len(bad)
    assert set(ds.labels) == {"alpha", "beta", "(root)"}
    assert ds.embeddings.shape[0] == len(good) and ds.embeddings.dtype == np.float32
    last = [p for p in progress if isinstance(p, Progress) and p.total][-1]
    assert last.done == last.total == len(good) + len(bad)


def test_reopen_uses_the_cache_and_tracks_added_and_deleted_files(tmp_path, fresh_cache, tiny_embedder):
    root = tmp_path / "data"
    make_messy_folder(root)
    opts = IngestOptions(model=tiny_embedder)
    first = drive(ingest_folder(str(root), opts))
    messages = []
    again = drive(ingest_folder(str(root), opts), messages.append)
    assert not any(m.message.startswith("Loading model") for m in messages)  # nothing to embed
    assert np.array_equal(first.embeddings, again.embeddings)
    shutil.copy(root / "alpha" / "plain.jpg", root / "alpha" / "new.jpg")
    (root / "alpha" / "plain.png").unlink()
    third = drive(ingest_folder(str(root), opts))
    names = _names(third.items)
    assert "new.jpg" in names and "plain.png" not in names
    assert len(third) == len(first)


def test_cancel_midway_keeps_whole_batches_and_the_next_run_resumes(tmp_path, fresh_cache, tiny_embedder):
    from PIL import Image

    root = tmp_path / "many"
    root.mkdir()
    for i in range(40):
        Image.new("RGB", (40, 30), (i * 6, 100, 200 - i * 4)).save(root / f"{i:02d}.png")
    gen = ingest_folder(str(root), IngestOptions(model=tiny_embedder, batch_size=8))
    for event in gen:  # cancel after the second batch, the way the task runner does
        if isinstance(event, Progress) and event.message == "Embedding" and event.done >= 16:
            gen.close()
            break
    cache = EmbeddingCache()
    stored = cache.count(tiny_embedder)
    cache.close()
    assert stored in (16, 24) and stored % 8 == 0
    events = []
    ds = drive(ingest_folder(str(root), IngestOptions(model=tiny_embedder, batch_size=8)), events.append)
    assert len(ds) == 40
    first = next(p for p in events if p.message == "Embedding")
    assert first.done == stored  # resumed, not restarted


def test_missing_or_imageless_folders_are_refused_with_a_sentence(tmp_path, fresh_cache, tiny_embedder):
    with pytest.raises(IngestError, match="not found"):
        drive(ingest_folder(str(tmp_path / "nope"), IngestOptions(model=tiny_embedder)))
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="No image files"):
        drive(ingest_folder(str(tmp_path / "empty"), IngestOptions(model=tiny_embedder)))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.jpg").write_text("nope")
    with pytest.raises(IngestError, match="could be read"):
        drive(ingest_folder(str(tmp_path / "junk"), IngestOptions(model=tiny_embedder)))


def test_big_sets_are_stored_in_half_precision(tmp_path, fresh_cache, tiny_embedder, monkeypatch):
    from PIL import Image

    from latentview.services import ingest

    for i in range(12):
        Image.new("RGB", (40, 30), (i * 20, 60, 90)).save(tmp_path / f"{i:02d}.png")
    small = drive(ingest_folder(str(tmp_path), IngestOptions(model=tiny_embedder)))
    assert small.embeddings.dtype == np.float32
    monkeypatch.setattr(ingest, "HALF_PRECISION_ABOVE", 100)
    big = drive(ingest_folder(str(tmp_path), IngestOptions(model=tiny_embedder)))
    assert big.embeddings.dtype == np.float16
    assert np.allclose(big.embeddings, small.embeddings, atol=1e-2)
