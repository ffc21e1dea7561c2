"""How the docks share a window's width: on a narrow screen (down to 1024 px) they give way to the map
and the left tabs stand on their side so their titles stay readable; on a wide one they get their
usual widths back. Panels wider than their dock scroll instead of widening the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget

UNWRAPPED = {"Inspector", "Log"}  # their lists scroll by themselves and their text wraps
SHORT_TITLES = {"Map settings": "Settings"}  # tab titles that stay readable in a narrow dock
DOCK_MIN_PX = 200
NARROW_PX = 1200  # below this window width the docks give way to the map
DOCK_WIDTHS = {"Map settings": 320, "Inspector": 370}
KIND_TABS = {"words": "Words", "gan": "GAN"}  # the tab a map of this kind is worked in
OTHER_KIND_TABS = {"Words": "words", "Table": "table"}  # left tabs that only work on their kind of map
MAP_SHARE = 0.56  # on a narrow window the map keeps at least this share of the width


def dock_content(title: str, widget: QWidget) -> QWidget:
    """The widget a dock holds: the panel in a scroll area, so its minimum width can't widen the window."""
    if title in UNWRAPPED:
        return widget
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setMinimumWidth(DOCK_MIN_PX)
    scroll.setWidget(widget)
    return scroll


def share_width(window) -> None:
    """Called on every change of the window's width. On a narrow window every side dock stack (the
    left tabs, whichever tab is raised, and the Inspector | GAN tabs) gives way until the map has
    MAP_SHARE of the width, down to DOCK_MIN_PX each."""
    if not hasattr(window, "map") or "Inspector" not in window.docks:
        return
    total = window.width()
    narrow = total < NARROW_PX
    window.setTabPosition(Qt.LeftDockWidgetArea, QTabWidget.West if narrow else QTabWidget.South)
    side = _side_stacks(window)
    if not side:
        return
    if not narrow:
        titles = [t for t in DOCK_WIDTHS if window.docks[t].isVisible()]
        want = [DOCK_WIDTHS[t] for t in titles]
        if any(window.docks[t].width() < w for t, w in zip(titles, want)):
            window.resizeDocks([window.docks[t] for t in titles], want, Qt.Horizontal)
        return
    for _ in range(2):  # the second pass corrects for tab bars and separators the first misjudged
        window.layout().activate()
        widths = [d.width() for d in side]
        short = int(MAP_SHARE * total) - window.map.width()
        if short <= 0:
            return
        window.resizeDocks(side, give_way(widths, sum(widths) - short, DOCK_MIN_PX), Qt.Horizontal)


def _side_stacks(window) -> list:
    """One shown dock per side area: the raised tab of its stack (resizing a tab hidden behind another
    does not resize the stack)."""
    out: dict = {}
    for dock in window.docks.values():
        area = window.dockWidgetArea(dock)
        if area not in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea) or not dock.isVisible():
            continue
        if dock.isFloating():
            continue
        if area not in out or (out[area].visibleRegion().isEmpty() and not dock.visibleRegion().isEmpty()):
            out[area] = dock
    return list(out.values())


def give_way(widths: list[int], room: int, floor: int) -> list[int]:
    """Widths that fit `room` in proportion to the present ones, none under `floor` (a dock at its floor
    leaves the rest of the cut to the others)."""
    out = [max(floor, w) for w in widths]
    for _ in widths:  # at most one pass per dock that reaches its floor
        free = [i for i, w in enumerate(out) if w > floor]
        excess = sum(out) - room
        if excess <= 0 or not free:
            break
        above = sum(out[i] - floor for i in free)
        for i in free:
            out[i] = max(floor, out[i] - round(excess * (out[i] - floor) / above))
    return out


def raise_tabs_for(window, kind: str) -> None:
    """A new map brings its own tab to the front (Words for words, GAN for a latent map); a left tab
    that works only on another kind of map (Words, Table) gives way to Map settings. A tab that fits
    any map (Clusters, Groups) stays as the user left it."""
    own = KIND_TABS.get(kind)
    if own in window.docks:
        window.docks[own].raise_()
    stale = [t for t, k in OTHER_KIND_TABS.items()
             if k != kind and t in window.docks and not window.docks[t].visibleRegion().isEmpty()]  # fmt: skip
    if stale and "Map settings" in window.docks:
        window.docks["Map settings"].raise_()
