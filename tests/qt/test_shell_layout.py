"""What the window shows before any data: its menus (entries, order, separators, shortcuts) and its docks
(areas, tab stacks, tab order). Written against the window before features registered through
qt/shell/features.py, so the registration can't change what a user sees."""

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
