"""In the window: a damaged cache still gives the map and one line in the Log dock; File ▸ Retry Failed
Files embeds the shown folder again, trying the files whose failure was cached."""

from __future__ import annotations

import pytest

from tests.fault_tools import make_images, register_tiny


@pytest.fixture
def tiny():
    from latentview.backends import embedders

    yield register_tiny()
    embedders.EMBEDDERS.pop("tiny-test", None)


def _open(window, qtbot, folder):
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.open_folder(str(folder))


def test_damaged_cache_is_one_log_line_and_retry_failed_tries_again(
    tiny, fresh_cache, window, qtbot, tmp_path
):
    folder = tmp_path / "photos"
    make_images(folder, 6)
    (folder / "bad.png").write_bytes(b"not a picture")
    fresh_cache.mkdir()
    (fresh_cache / "embeddings.sqlite").write_bytes(b"garbage" * 100)
    window.settings.set_model("tiny-test")
    window.settings.set_method("pca")
    _open(window, qtbot, folder)
    assert len(window.session.dataset) == 6
    cache_lines = [e.message for e in window.log.entries if e.message.startswith("Embedding cache")]
    assert len(cache_lines) == 1 and "moved aside" in cache_lines[0]
    assert "Embedding cache" in window.log.toPlainText()

    start = len(window.log.entries)
    _open(window, qtbot, folder)  # the failure is cached now
    assert any("bad.png" in e.message and "(cached)" in e.message for e in window.log.entries[start:])

    start = len(window.log.entries)
    assert window.retry_action in window.file_menu.actions()
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.retry_action.trigger()
    again = [e.message for e in window.log.entries[start:] if "bad.png" in e.message]
    assert again and not any("(cached)" in m for m in again)  # decoded again, failed again, honestly
    assert len(window.session.dataset) == 6
