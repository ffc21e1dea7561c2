"""What the window says while nothing is on the map yet, or when a task is cancelled (issue 12)."""

import time

from latentview.core.progress import Progress


def _slow_task(n=10_000):
    for i in range(n):
        time.sleep(0.005)  # stands in for a batch of work; cancelled long before the end
        yield Progress(i, n, "Embedding", unit="img")
    return None


def test_cancel_says_so_in_the_log(window, qtbot):
    window.runner.submit("ingest", _slow_task, title="Embedding images")
    qtbot.waitUntil(
        lambda: window.progress.isVisible() and "Embedding" in window.progress.text, timeout=10_000
    )
    # while it loads, the empty map says what is loading, not "drop a folder"
    assert "Drop a folder" not in window.hint.text() and "Embedding" in window.hint.text()
    window.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not window.runner.is_running("ingest"), timeout=10_000)
    assert any("Cancelled" in e.message and "cached" in e.message for e in window.log.entries)
    assert "Drop a folder" in window.hint.text()


def test_a_folder_error_stays_visible(window, qtbot, tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"")
    with qtbot.waitSignal(window.mapFailed, timeout=60_000) as sig:
        window.drop_folder_at(str(tmp_path))
    msg = sig.args[0]
    assert window.log.entries[-1].message == msg and window.docks["Log"].isVisible()
    assert window.statusBar().currentMessage() == msg
    assert "could be read" in window.hint.text()  # under the drop hint until something opens


def test_empty_inspector_hint_and_eliding_model_combo(window):
    assert "Click a point" in window.inspector.image.text() and not window.inspector.neighbours.isVisible()
    combo = window.settings.model
    combo.setFixedWidth(120)
    assert combo.elided_text().endswith("…") and combo.currentText().startswith(combo.elided_text()[:-1])
    assert window.windowTitle().startswith("latentview")
