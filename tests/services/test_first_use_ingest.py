"""A first ingest with nothing prepared says so in the log before the encoder's one-time export."""

from latentview.backends import embedders
from latentview.core.progress import Log, Progress
from latentview.services.ingest import IngestOptions, ingest_folder


def test_ingest_announces_the_first_use_then_embeds(photo_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LATENTVIEW_PREBUILT_DIR", raising=False)
    monkeypatch.delenv("LATENTVIEW_RUNTIME", raising=False)
    monkeypatch.setattr(embedders, "_loaded", {})  # as a fresh process: nothing loaded yet
    events, gen = [], ingest_folder(str(photo_folder), IngestOptions(model="efficientnet-lite0"))
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        dataset = stop.value
    first = [i for i, e in enumerate(events) if isinstance(e, Log) and e.message.startswith("First use of")]
    embedding = [i for i, e in enumerate(events) if isinstance(e, Progress) and e.done > 0]
    assert first and embedding and first[0] < embedding[0]  # said before the wait, not after
    assert len(dataset) > 0 and dataset.embeddings.shape[1] == 1280
    assert embedders.first_use_note("efficientnet-lite0") is None  # the export is cached now
