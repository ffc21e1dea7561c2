"""A click on a map searched by an approximate index: the Inspector's title says the neighbours are
approximate, and how far (the index's own estimate); an exact search says nothing of the kind."""

import numpy as np

from latentview.backends import ann
from latentview.core.dataset import Dataset


def _words(n=5_000, d=32, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(300, d)).astype(np.float32)
    x = (c[rng.integers(0, 300, n)] + rng.normal(size=(n, d))).astype(np.float32)
    return Dataset("words", [f"w{i}" for i in range(n)], ["x"] * n, x)


def test_inspector_title_says_neighbours_are_approximate(qtbot):
    from latentview.qt.shell.main_window import MainWindow

    win = MainWindow(search_factory=lambda e: ann.IVFSearch(e, nlist=32, nprobe=1, background=False))
    qtbot.addWidget(win)
    s = win.session
    s.set_dataset(_words())
    s.set_focus(7)
    estimate = s.search_or_none.recall_estimate
    assert estimate < 0.95
    title = win.inspector.neighbours_title.text()
    assert "approximate" in title and f"{estimate:.0%}" in title
    assert len(s.neighbours[0]) == s.k
    assert win.runner.shutdown(60_000)


def test_exact_search_title_has_no_note(window):
    window.session.set_dataset(_words(n=500))
    window.session.set_focus(3)
    assert "nearest neighbours" in window.inspector.neighbours_title.text()
    assert "approximate" not in window.inspector.neighbours_title.text()
