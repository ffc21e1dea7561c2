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
MAP_SHARE = 0.58  # on a narrow window the map keeps at least this share of the width


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
    """Called on every change of the window's width."""
    if not hasattr(window, "map") or "Inspector" not in window.docks:
        return
    total = window.width()
    narrow = total < NARROW_PX
    window.setTabPosition(Qt.LeftDockWidgetArea, QTabWidget.West if narrow else QTabWidget.South)
    titles = [t for t in DOCK_WIDTHS if window.docks[t].isVisible()]
    side = [window.docks[t] for t in titles]
    if not side:
        return
    if not narrow:
        want = [DOCK_WIDTHS[t] for t in titles]
        if any(d.width() < w for d, w in zip(side, want)):
            window.resizeDocks(side, want, Qt.Horizontal)
        return
    if total - sum(d.width() for d in side) >= MAP_SHARE * total:
        return
    room = max(int((1 - MAP_SHARE) * total) - 16, DOCK_MIN_PX * len(side))
    widths = [d.width() for d in side]
    scale = room / max(sum(widths), 1)
    window.resizeDocks(side, [max(DOCK_MIN_PX, int(w * scale)) for w in widths], Qt.Horizontal)
