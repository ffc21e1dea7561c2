"""The Words dock driven like a user: built-in GloVe on the map, search box with completion, analogy bar
with arrows, word-pair axes, N slider, labels that grow with zoom, export, and dropping vectors files."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from latentview.qt.words.panel import WordsPanel
from latentview.services import words as svc


def _panel(window) -> WordsPanel:
    panel = window.findChild(WordsPanel)
    assert panel is not None
    return panel


@pytest.fixture
def words_map(window, qtbot):
    """The real built-in vectors, top 1,000 words, PCA (UMAP's compile is not this test's subject)."""
    panel = _panel(window)
    window.settings.set_method("pca")
    panel.set_word_count(1000)
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        panel.builtin_button.click()
    return window, panel


def _row(window, word: str) -> int:
    return window.session.dataset.items.index(word)


def test_builtin_words_on_the_map(words_map):
    window, panel = words_map
    ds = window.session.dataset
    assert ds.kind == "words" and len(ds) == 1000
    assert all(w.isalpha() for w in ds.items) and ds.items[0] == "the"
    assert window.session.coords.shape == (1000, 2)
    assert "400,000 words" in panel.info.text()


def test_search_box_completes_centres_selects_and_adds_outside_words(words_map, qtbot):
    window, panel = words_map
    qtbot.keyClicks(panel.search_edit, "bathr")
    assert panel.completer.candidates()[0] == "bathroom"
    panel.search_edit.clear()
    # "toilet" is rank ~10,000: outside the 1,000 on the map, so it is added and marked
    with qtbot.waitSignal(panel.resultsShown, timeout=10_000) as shown:
        qtbot.keyClicks(panel.search_edit, "toilet")
        qtbot.keyClick(panel.search_edit, Qt.Key_Return)
    s = window.session
    row = _row(window, "toilet")
    assert s.focus == row and list(s.selected_indices) == [row]
    assert s.dataset.labels[row] == svc.ADDED
    title, results = shown.args
    assert "toilet" in title and "bathroom" in [w for w, _ in results[:5]]
    # the Inspector lists the full-space neighbours (added to the map too), with distances
    inspector = [
        window.inspector.neighbours.item(i).text() for i in range(window.inspector.neighbours.count())
    ]
    assert any(t.startswith("bathroom") for t in inspector[:5])
    assert s.dataset.labels[_row(window, "bathroom")] in (svc.ADDED, *dict(svc.BANDS).values())
    # centred and zoomed in
    (x0, x1), (y0, y1) = window.map.viewbox.viewRange()
    x, y = s.coords[row]
    assert x0 < x < x1 and y0 < y < y1
    full = np.ptp(s.coords[:1000], axis=0)
    assert (x1 - x0) < full[0] / 2
    window.map.grab()
    assert "toilet" in panel.labels.drawn_words()


def test_unknown_word_gets_suggestions_not_a_crash(words_map, qtbot):
    window, panel = words_map
    with qtbot.waitSignal(panel.messageShown) as msg:
        panel.search("toilett")
    assert "Did you mean" in msg.args[0] and "toilet" in msg.args[0]
    assert window.session.focus is None


def test_analogy_bar_ranks_answers_and_draws_arrows(words_map, qtbot):
    window, panel = words_map
    panel.analogy_edit.clear()
    with qtbot.waitSignal(panel.resultsShown, timeout=10_000) as shown:
        qtbot.keyClicks(panel.analogy_edit, "king - man + woman")
        qtbot.keyClick(panel.analogy_edit, Qt.Key_Return)
    results = shown.args[1]
    assert results[0][0] == "queen" and results[0][1] > results[1][1]
    r = {w: _row(window, w) for w in ("king", "man", "woman", "queen")}
    assert panel.arrows.arrows == [(r["man"], r["king"]), (r["woman"], r["queen"])]
    window.map.grab()
    assert {"king", "man", "woman", "queen"} <= set(panel.labels.drawn_words())
    with qtbot.waitSignal(panel.resultsShown, timeout=10_000) as shown:
        panel.run_analogy("paris - france + germany", method="mul")
    assert shown.args[1][0][0] == "berlin" and "3CosMul" in shown.args[0]


def test_word_pair_axes_reproject_the_map(words_map, qtbot):
    window, panel = words_map
    for edit, text in zip(panel.axis_edits, ("man", "woman", "bad", "good")):
        edit.clear()
        qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(window.mapReady) as ready:
        qtbot.mouseClick(panel.axes_button, Qt.LeftButton)
    assert ready.args == ["axes"]
    s = window.session
    xy = s.coords
    assert xy[_row(window, "woman"), 0] > xy[_row(window, "man"), 0]
    assert xy[_row(window, "she"), 0] > xy[_row(window, "he"), 0]
    assert xy[_row(window, "good"), 1] > xy[_row(window, "bad"), 1]
    assert window.map.plotItem.getAxis("bottom").labelText == "man → woman"
    # a word searched now is placed exactly on the axes, not interpolated
    panel.search("queen")
    q = _row(window, "queen")
    expect = svc.axes_coords(s.dataset.embeddings[[q]], panel._axes[1])[0]
    np.testing.assert_allclose(s.coords[q], expect, atol=1e-6)
    # going back to a projection drops the axis titles
    with qtbot.waitSignal(window.mapReady):
        window.settings.apply.click()
    assert not window.map.plotItem.getAxis("bottom").label.isVisible()


def test_labels_fit_and_grow_with_zoom(words_map):
    window, panel = words_map
    window.map.viewbox.autoRange(padding=0.05)
    window.map.grab()
    full = panel.labels.drawn_words()
    assert 10 < len(full) < 1000  # some, not all: only those that fit
    assert full[0] == "the"  # most frequent first
    xy = window.session.coords
    cx, cy = np.median(xy, axis=0)
    w, h = np.ptp(xy, axis=0) / 12
    window.map.viewbox.setRange(xRange=(cx - w, cx + w), yRange=(cy - h, cy + h), padding=0)
    window.map.grab()
    zoomed = panel.labels.drawn_words()
    assert set(zoomed) - set(full), "zooming in should reveal labels that did not fit before"


def test_n_slider_changes_the_word_count(words_map, qtbot):
    window, panel = words_map
    with qtbot.waitSignal(window.mapReady, timeout=30_000):
        panel.n_slider.setValue(svc.N_STEPS.index(2000))
    assert len(window.session.dataset) == 2000 and panel.n_label.text() == "2,000"


def test_lasso_lists_words_and_exports(words_map, qtbot, tmp_path):
    window, panel = words_map
    s = window.session
    xy = s.coords
    lo, hi = np.percentile(xy, [40, 60], axis=0)
    s.select_polygon(np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]]))
    n = len(s.selected_indices)
    assert n > 0 and panel.export_button.isEnabled()
    assert window.inspector.grid.count() == min(n, 400)
    assert window.inspector.grid.item(0).text() == s.dataset.items[s.selected_indices[0]]
    assert panel.export_selection(str(tmp_path / "sel.txt")) == n
    assert (tmp_path / "sel.txt").read_text(encoding="utf-8").split() == [
        s.dataset.items[i] for i in s.selected_indices
    ]
    assert panel.export_selection(str(tmp_path / "sel.csv")) == n
    assert (tmp_path / "sel.csv").read_text(encoding="utf-8").startswith("word,label,x,y")


def _drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    handle = window.windowHandle()
    for cls in (QDragEnterEvent, QDragMoveEvent):
        QApplication.sendEvent(handle, cls(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(handle, QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_dropping_vectors_files(window, qtbot, tmp_path):
    panel = _panel(window)
    window.settings.set_method("pca")
    words = [f"word{c}" for c in "abcdefghijklmnopqrst"]
    words = ["".join(ch for ch in w if ch.isalpha()) for w in words]
    vecs = np.random.default_rng(3).normal(size=(len(words), 6)).astype(np.float32)
    from latentview.backends.words import keyed_vectors

    good = tmp_path / "mine.vec"
    keyed_vectors(words, vecs).save_word2vec_format(str(good), binary=False)
    with qtbot.waitSignal(window.mapReady, timeout=30_000):
        _drop(window, good)
    assert window.session.dataset.items == words
    assert panel.space.name == "mine.vec"
    bad = tmp_path / "broken.bin"
    bad.write_bytes(good.read_bytes()[:40])
    with qtbot.waitSignal(panel.messageShown, timeout=30_000) as msg:
        _drop(window, bad)
    assert "broken.bin" in msg.args[0] and "\n" not in msg.args[0]
    assert window.session.dataset.items == words  # the previous map stays
