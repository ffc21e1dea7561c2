"""What the window shows before any data: its menus (entries, order, separators, shortcuts) and its docks
(areas, tab stacks, tab order). Written against the window before features registered through
qt/shell/features.py, so the registration can't change what a user sees."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QTabBar

MENUS = {
    "&File": [
        "&Open Folder… [Ctrl+O]",
        "Open &Embeddings… [Ctrl+Shift+O]",
        "Open &Demo",
        "&Retry Failed Files",
        "Open &Word Vectors (GloVe, built in)",
        "Open Word Vectors &File…",
        "Load &Generator…",
        "---",
        "Open Sessio&n… [Ctrl+Alt+O]",
        "&Save Session… [Ctrl+S]",
        "&Recent Sessions >",
        "---",
        "&Export Map Data… [Ctrl+E]",
        "Export &Selection…",
        "Export Images to &Folders…",
        "Export Map &Image (PNG/SVG)…",
        "---",
        "&Quit",
    ],
    "&Edit": [
        "Clear Selection [Esc]",
        "Select All [Ctrl+A]",
        "---",
        "&Re-project Selection [Ctrl+R]",
        "Back to &Parent Map [Alt+Left]",
    ],
    "&View": [
        "Reset Zoom [Ctrl+0]",
        "&Legend",
        "---",
        "Settings",
        "Inspector",
        "Log",
        "Words",
        "GAN",
        "Clusters",
        "Groups",
        "&Trust Overlay (kNN recall) [Ctrl+T]",
        "Table",
        "Re-layout Map [Ctrl+Shift+L]",
        "---",
        "&Compare… [Ctrl+Shift+C]",
        "Layers S&weep…",
    ],
    "&Help": ["&About latentview"],
}


def _entries(menu) -> list[str]:
    out = []
    for a in menu.actions():
        if a.isSeparator():
            out.append("---")
            continue
        key = a.shortcut().toString()
        out.append(a.text() + (f" [{key}]" if key else "") + (" >" if a.menu() else ""))
    return out


def _tab_stacks(window) -> list[list[str]]:
    """Each stack of visible tabbed docks, in tab order (Qt keeps stale bars around: skip them)."""
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget) if d.isVisible()}
    stacks = []
    for bar in window.findChildren(QTabBar):
        tabs = [bar.tabText(i) for i in range(bar.count())]
        if not bar.isVisible() or not tabs or any(t not in docks for t in tabs):
            continue
        group = {
            tabs[0],
            *(d.windowTitle() for d in window.tabifiedDockWidgets(docks[tabs[0]]) if d.isVisible()),
        }
        if group == set(tabs):
            stacks.append(tabs)
    return sorted(stacks)


def test_menus_list_the_same_entries_in_the_same_order_with_the_same_shortcuts(window):
    assert {a.text(): _entries(a.menu()) for a in window.menuBar().actions()} == MENUS


def test_docks_sit_in_their_areas_and_tab_stacks(window, qtbot):
    areas = {d.windowTitle(): window.dockWidgetArea(d) for d in window.findChildren(QDockWidget)}
    left, right, bottom = Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea, Qt.BottomDockWidgetArea
    assert areas == {"Settings": left, "Words": left, "Clusters": left, "Groups": left, "Table": left,
                     "Inspector": right, "GAN": right, "Log": bottom}  # fmt: skip
    assert not window.docks["Table"].isVisible()  # shown once a table is open
    assert _tab_stacks(window) == [["Inspector", "GAN"], ["Settings", "Words", "Clusters", "Groups"]]
    shown = [d.windowTitle() for d in window.findChildren(QDockWidget) if not d.visibleRegion().isEmpty()]
    assert sorted(shown) == ["Inspector", "Log", "Settings"]  # the front tab of each stack
    window.docks["Table"].show()
    qtbot.waitUntil(lambda: ["Settings", "Table", "Words", "Clusters", "Groups"] in _tab_stacks(window))


def test_the_layout_does_not_depend_on_the_order_features_install_in(qtbot, monkeypatch):
    from latentview.qt.shell import main_window

    monkeypatch.setattr(main_window, "FEATURES", tuple(reversed(main_window.FEATURES)))
    win = main_window.MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        assert {a.text(): _entries(a.menu()) for a in win.menuBar().actions()} == MENUS
        assert _tab_stacks(win) == [["Inspector", "GAN"], ["Settings", "Words", "Clusters", "Groups"]]
    finally:
        assert win.runner.shutdown(60_000)


def test_features_place_entries_by_group_and_offer_services_by_type(qtbot):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel, QMainWindow

    from latentview.qt.shell.app_state import AppState
    from latentview.qt.shell.features import Features

    win = QMainWindow()
    qtbot.addWidget(win)
    state = AppState.create(win, search_factory=None)
    f = Features(win, state)
    wired = []
    f.after_install(lambda: wired.append(f.get(QLabel).text()))  # runs after every feature is in
    f.action("file", "export", QAction("Export B", win), 2)
    f.action("file", "quit", QAction("Quit", win))
    f.action("file", "export", QAction("Export A", win), 1)
    f.action("file", "open", QAction("Open", win))
    f.provide(QLabel("a service"))
    with pytest.raises(ValueError):
        f.action("file", "no such group", QAction("x", win))
    with pytest.raises(LookupError):
        f.get(QMainWindow)
    assert f.find(QMainWindow) is None
    f.finish()
    assert [a.text() or "---" for a in f.menus["file"].actions()] == ["Open", "---", "Export A", "Export B",
                                                                    "---", "Quit"]  # fmt: skip
    assert wired == ["a service"]
    assert state.explore.dataset_id is None


def test_the_window_finds_neighbours_with_the_search_it_is_given(qtbot, monkeypatch):
    """app.py composes the k-NN backend: the window's session and its background search use it."""
    from latentview.core.dataset import Dataset
    from latentview.core.neighbors import NeighbourSearch
    from latentview.qt.shell import opening
    from latentview.qt.shell.main_window import MainWindow

    made = []

    def factory(x):
        made.append(len(x))
        return NeighbourSearch(x)

    win = MainWindow(search_factory=factory)
    qtbot.addWidget(win)
    x = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    win.session.set_dataset(Dataset("points", [str(i) for i in range(40)], ["a"] * 40, x))
    win.focus_point(3)  # a small map: on the GUI thread
    assert made == [40] and win.session.focus == 3
    monkeypatch.setattr(opening, "INDEX_IN_BACKGROUND", 0)  # as a big map: on the runner
    win.session.set_dataset(Dataset("points", [str(i) for i in range(40)], ["a"] * 40, x.copy()))
    win.focus_point(5)
    qtbot.waitUntil(lambda: win.session.focus == 5, timeout=30_000)
    assert made == [40, 40]
    assert win.runner.shutdown(60_000)
