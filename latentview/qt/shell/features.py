"""The one interface through which features plug into the window.

A feature module has `install(features: Features)`: it makes its widgets from `features.state` (the
shared session, runner and explore state) and `features.window` (the map, the settings, the log), then
registers what it adds here — docks with their tab stack and position, menu entries with their menu,
group and order, services other features look up by type, hooks. Menus and docks are laid out once
every feature is in (`finish`), so no feature inserts at a position or finds a menu by its text, and
the layout below is the one place that says what goes where. A feature, whole:

    def install(features: Features) -> None:
        panel = features.provide(NotesPanel(features.window))  # others: window.feature(NotesPanel)
        features.panel("Notes", panel, "left", 50, view_order=45)
        features.action("file", "export", QAction("Export &Notes…", features.window, triggered=panel.export), 50)
        features.session_part("notes", panel.to_json, panel.restore)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from latentview.qt.shell.app_state import AppState
from latentview.qt.shell.dock_layout import SHORT_TITLES, dock_content

T = TypeVar("T")
SEP = "|"  # a separator between two groups (shown only when both sides have entries)

# Menus in menu-bar order: title, then its groups in order. Entries sort by (order, registration).
# View's "panels" holds the docks' toggles (at their view_order) and the map layers' toggles among them.
MENUS: dict[str, tuple[str, tuple[str, ...]]] = {
    "file": ("&File", ("open", "words", "gan", SEP, "session", SEP, "export", SEP, "quit")),
    "edit": ("&Edit", ("selection", SEP, "drill")),
    "view": ("&View", ("map", SEP, "panels", SEP, "windows")),
    "help": ("&Help", ("about",)),
}

# Tab stacks: the docks of a stack share one place, tabbed in `position` order, the first in front.
STACKS = {"left": Qt.LeftDockWidgetArea, "right": Qt.RightDockWidgetArea, "bottom": Qt.BottomDockWidgetArea}


@dataclass
class _Entry:
    item: QAction | QMenu
    order: float
    seq: int


@dataclass
class _Panel:
    dock: QDockWidget
    stack: str
    position: float
    hidden: bool


class Features:
    """What a feature may add to the window, and the services features offer each other."""

    def __init__(self, window: QMainWindow, state: AppState):
        self.window = window
        self.state = state
        self.docks: dict[str, QDockWidget] = {}  # by panel title
        self.menus: dict[str, QMenu] = {}
        self._entries: dict[tuple[str, str], list[_Entry]] = {}
        self._panels: list[_Panel] = []
        self._services: dict[type, object] = {}
        self._after: list[Callable[[], None]] = []
        self.ingest_hooks: list[Callable[[object], bool]] = []
        self.drop_handlers: list[Callable[[object], bool]] = []
        self._seq = 0
        for key, (title, _groups) in MENUS.items():
            self.menus[key] = window.menuBar().addMenu(title)

    # --- what a feature adds ---------------------------------------------------------------
    def panel(self, title: str, widget: QWidget, stack: str, position: float, *, view_order: float,
              hidden: bool = False) -> QDockWidget:  # fmt: skip
        """A dock in tab stack `stack` ("left", "right", "bottom") at `position`, toggled from View
        (group "panels", at `view_order`); `hidden` ones are shown by the feature when it has content."""
        dock = QDockWidget(SHORT_TITLES.get(title, title), self.window)
        dock.setObjectName(title.replace(" ", "") + "Dock")
        dock.setWidget(dock_content(title, widget))
        self.window.addDockWidget(STACKS[stack], dock)
        self.docks[title] = dock
        self._panels.append(_Panel(dock, stack, position, hidden))
        self.action("view", "panels", dock.toggleViewAction(), view_order)
        return dock

    def action(self, menu: str, group: str, item: QAction | QMenu, order: float = 0) -> QAction | QMenu:
        """A menu entry (or sub-menu) in `group` of `menu` (see MENUS), at `order` within the group."""
        if group not in MENUS[menu][1]:
            raise ValueError(f"menu {menu!r} has no group {group!r}")
        self._seq += 1
        self._entries.setdefault((menu, group), []).append(_Entry(item, order, self._seq))
        return item

    def provide(self, service: T) -> T:
        """Offer `service` to other features, looked up by its type."""
        self._services[type(service)] = service
        return service

    def get(self, kind: type[T]) -> T:
        """The service of type `kind`; a LookupError when no installed feature offers one."""
        try:
            return self._services[kind]  # type: ignore[return-value]
        except KeyError:
            raise LookupError(f"no feature offers a {kind.__name__}") from None

    def find(self, kind: type[T]) -> T | None:
        return self._services.get(kind)  # type: ignore[return-value]

    def after_install(self, wire: Callable[[], None]) -> None:
        """Wiring between features (a button in another feature's panel): runs once all are installed,
        so the order features install in does not matter."""
        self._after.append(wire)

    def on_ingested(self, hook: Callable[[object], bool]) -> None:
        """`hook(dataset)` sees every embedded folder first; True: it handled it (no new map)."""
        self.ingest_hooks.append(hook)

    def on_drop(self, handler: Callable[[object], bool]) -> None:
        """`handler(mime)` gets a drop on the window before the folder default; True: it took it."""
        self.drop_handlers.append(handler)

    def quiet_task(self, key: str) -> None:
        """Runner tasks under `key` run without the status bar's progress (renders, thumbnails)."""
        progress = self.window.progress
        progress.QUIET = progress.QUIET | {key}

    def session_part(self, name: str, get: Callable[[], object], put: Callable[[object], None]) -> None:
        """The feature's part of a session file (services.session_file's extras)."""
        self.state.session_parts[name] = (get, put)

    # --- layout ---------------------------------------------------------------------------
    def finish(self) -> None:
        """Run the cross-feature wiring, then fill the menus and stack the docks."""
        for wire in self._after:
            wire()
        for key, (_title, groups) in MENUS.items():
            self._fill(self.menus[key], key, groups)
        self._stack_docks()

    def _fill(self, menu: QMenu, key: str, groups: tuple[str, ...]) -> None:
        pending_sep = False
        for group in groups:
            if group == SEP:
                pending_sep = bool(menu.actions())
                continue
            entries = sorted(self._entries.get((key, group), []), key=lambda e: (e.order, e.seq))
            if entries and pending_sep:
                menu.addSeparator()
                pending_sep = False
            for e in entries:
                if isinstance(e.item, QMenu):
                    menu.addMenu(e.item)
                else:
                    menu.addAction(e.item)

    def _stack_docks(self) -> None:
        """Tab each stack in position order, the first dock in front. The right stack is tabbed before
        the left one: the other way round Qt keeps a second, stale tab bar for the right stack."""
        w = self.window
        for stack in ("right", "left", "bottom"):
            panels = sorted((p for p in self._panels if p.stack == stack), key=lambda p: p.position)
            for p in panels[1:]:
                w.tabifyDockWidget(panels[0].dock, p.dock)
            for p in panels:
                if p.hidden:
                    p.dock.hide()
            if panels:
                panels[0].dock.raise_()
