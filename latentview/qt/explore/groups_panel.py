"""Groups dock: keep the current selection as a named, coloured group; combine groups by set algebra
(union, intersection, difference); click a group to select its points; export it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from latentview.core.groups import GroupOp, GroupSet
from latentview.qt.common.palette import categorical
from latentview.qt.explore.clusters_panel import swatch
from latentview.qt.shell.features import Features


class GroupsPanel(QWidget):
    groupActivated = Signal(str)  # select this group's points
    exportRequested = Signal(list)  # group names

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.session = window.session
        self.explore = window.state.explore
        self.groups: GroupSet = window.state.explore.groups
        self.hint = QLabel("Lasso points, then <b>Keep selection</b> to make a group.")
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.list.itemClicked.connect(lambda it: self.groupActivated.emit(it.data(Qt.UserRole)))
        self.list.itemChanged.connect(self._renamed)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemSelectionChanged.connect(self._pick_top)
        self.list.setItemDelegate(_NameOnlyDelegate(self.list))
        self.keep = QPushButton("Keep selection")
        self.keep.setToolTip("Save the current selection as a new group (Ctrl+G)")
        self.keep.setShortcut("Ctrl+G")
        self.keep.clicked.connect(self.keep_selection)
        self.union = QPushButton("∪ Union")
        self.inter = QPushButton("∩ Intersect")
        self.diff = QPushButton("− Difference")
        self.diff.setToolTip("The first chosen group minus the others")
        self.delete = QPushButton("Delete")
        self.colour = QPushButton("Colour…")
        self.colour.setToolTip("Pick the chosen group's colour")
        self.colour.clicked.connect(self._ask_colour)
        self.export = QPushButton("Export…")
        self.union.clicked.connect(lambda: self.combine(GroupOp.UNION))
        self.inter.clicked.connect(lambda: self.combine(GroupOp.INTERSECTION))
        self.diff.clicked.connect(lambda: self.combine(GroupOp.DIFFERENCE))
        self.delete.clicked.connect(self._delete)
        self.export.clicked.connect(lambda: self.exportRequested.emit(self.chosen()))
        # Two buttons a row: the panel then fits the docks' narrowest width (dock_layout.DOCK_MIN_PX).
        grid = QGridLayout()
        grid.addWidget(self.keep, 0, 0, 1, 2)
        pairs = ((self.union, self.inter), (self.diff, self.delete), (self.colour, self.export))
        for row, pair in enumerate(pairs, start=1):
            for col, b in enumerate(pair):
                grid.addWidget(b, row, col)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.list, 1)
        lay.addLayout(grid)
        self.groups.changed.connect(self._refill)
        self.session.selection_changed.connect(self._update_buttons)
        self._refill()

    def chosen(self) -> list[str]:
        """Chosen group names in list order (the first is what a difference subtracts from)."""
        return [self.list.item(r).data(Qt.UserRole) for r in range(self.list.count())
                if self.list.item(r).isSelected()]  # fmt: skip

    def next_colour(self) -> str:
        used = {g.color for g in self.groups}
        palette = [c.name() for c in categorical(20)]
        free = [c for c in palette if c not in used]
        return free[0] if free else palette[len(self.groups) % len(palette)]

    def keep_selection(self, name: str = "") -> str | None:
        idx = self.session.selected_indices
        if not len(idx):
            return None
        g = self.groups.add(name or f"Group {len(self.groups) + 1}", idx, self.next_colour())
        return g.name

    def combine(self, op: GroupOp, names: list[str] | None = None) -> str | None:
        names = names or self.chosen()
        if len(names) < 2:
            self.hint.setText("Choose two or more groups (Ctrl+click) to combine them.")
            return None
        return self.groups.combine(names, op, self.next_colour()).name

    def set_colour(self, name: str, color: str) -> None:
        """Recolour a group and draw it on top, so the new colour shows even where groups overlap."""
        self.explore.top_group = name
        self.groups.set_color(name, color)

    def _ask_colour(self) -> None:
        from PySide6.QtWidgets import QColorDialog

        names = self.chosen()
        if len(names) != 1:
            return
        picked = QColorDialog.getColor(_qcolor(self.groups.get(names[0]).color), self, "Group colour")
        if picked.isValid():
            self.set_colour(names[0], picked.name())

    def _delete(self) -> None:
        for name in self.chosen():
            self.groups.remove(name)

    def _renamed(self, item: QListWidgetItem) -> None:
        old = item.data(Qt.UserRole)
        new = item.text().split("  —  ")[0].strip()
        if old is not None and new and new != old:
            self.groups.rename(old, new)

    def _pick_top(self) -> None:
        """The one chosen group is drawn over overlaps when colouring by group (so its colour shows)."""
        names = self.chosen()
        top = names[0] if len(names) == 1 else None
        if top != self.explore.top_group:
            self.explore.top_group = top
            if self.explore.colour_by == "group":
                self.explore.colour_by_changed.emit()  # recolour with the new top group

    def _refill(self) -> None:
        keep = set(self.chosen())
        self.list.blockSignals(True)
        self.list.clear()
        for g in self.groups:
            it = QListWidgetItem(swatch(_qcolor(g.color)), f"{g.name}  —  {g.count:,}")
            it.setData(Qt.UserRole, g.name)
            it.setFlags(it.flags() | Qt.ItemIsEditable)
            it.setToolTip(f"{g.name}: {g.count:,} points. Click to select; double-click to rename.")
            self.list.addItem(it)
            it.setSelected(g.name in keep)
        self.list.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        n = len(self.chosen())
        self.keep.setEnabled(self.session.selection is not None and bool(self.session.selection.any()))
        for b in (self.union, self.inter, self.diff):
            b.setEnabled(n >= 2)
        self.delete.setEnabled(n >= 1)
        self.colour.setEnabled(n == 1)
        self.export.setEnabled(n >= 1)


class _NameOnlyDelegate(QStyledItemDelegate):
    """The rename editor holds the group's name only, not the 'name — count' shown in the list."""

    def setEditorData(self, editor, index) -> None:
        editor.setText(index.data(Qt.UserRole) or "")


def _qcolor(hex_: str):
    from PySide6.QtGui import QColor

    return QColor(hex_ or "#1f77b4")


def install(features: Features) -> None:
    window = features.window
    panel = features.provide(GroupsPanel(window))
    features.panel("Groups", panel, "left", 40, view_order=40)

    def activate(name: str) -> None:
        try:
            g = features.state.explore.groups.get(name)
        except KeyError:
            return
        window.session.select_indices(g.indices)

    panel.groupActivated.connect(activate)
