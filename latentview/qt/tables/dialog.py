"""The Open Embeddings dialog: a preview of the first rows and one combo per role (vectors, label,
image path, text, x/y), filled with the detected guesses; the user's changes become a `TableSpec`.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from latentview.core.table_roles import Roles, numbered_groups
from latentview.services.tables import TableSpec

PREVIEW_ROWS = 8
NONE = "(none)"
SINGLE_ROLES = (("label", "Label (colours, legend)"), ("image", "Image path"), ("text", "Text (shown as words)"),
                ("x", "x (given layout)"), ("y", "y (given layout)"))  # fmt: skip


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in value[:4]) + ", …]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)[:80]


class TableDialog(QDialog):
    """Emits `metadataChosen(path)` when the user picks another metadata file (the opener re-reads)."""

    metadataChosen = Signal(str)

    def __init__(self, src, roles: Roles, parent=None):
        super().__init__(parent)
        self.src, self.roles = src, roles
        self.setWindowTitle(f"Open embeddings — {src.name}")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        dims = f"{src.n_rows:,} rows · {len(src.columns)} columns · {src.format}"
        if src.metadata:
            dims += f" · metadata {os.path.basename(src.metadata)}"
        self.summary = QLabel(f"<b>{src.name}</b> — {dims}")
        layout.addWidget(self.summary)
        layout.addWidget(self._preview(), 1)
        form = QFormLayout()
        self.vectors = QComboBox()
        self._fill_vectors()
        form.addRow("Vectors", self.vectors)
        self.combos: dict[str, QComboBox] = {}
        for role, title in SINGLE_ROLES:
            box = QComboBox()
            box.addItem(NONE, "")
            for c in src.columns:
                if c.kind != "vector":
                    box.addItem(c.name, c.name)
            current = getattr(roles, role)
            box.setCurrentIndex(max(box.findData(current or ""), 0))
            self.combos[role] = box
            form.addRow(title, box)
        self.embed = QCheckBox("Embed the text column with all-MiniLM-L6-v2 (offline sentence model)")
        self.embed.setToolTip("For a table without vectors: each text becomes a 384-d vector (cached).")
        self.embed.toggled.connect(lambda on: self.vectors.setEnabled(not on))
        has_text = any(c.kind == "string" for c in src.columns)
        self.embed.setEnabled(has_text)
        self.embed.setChecked(not roles.vectors and bool(roles.text))
        form.addRow("", self.embed)
        layout.addLayout(form)
        meta_row = QHBoxLayout()
        self.meta_button = QPushButton("Metadata file…")
        self.meta_button.setToolTip("A CSV/TSV with one row per vector (for .npy/.npz and vectors.tsv)")
        self.meta_button.clicked.connect(self._ask_metadata)
        self.meta_button.setVisible(src.array is not None)
        meta_row.addWidget(self.meta_button)
        meta_row.addStretch(1)
        layout.addLayout(meta_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        if not roles.vectors and not roles.text:
            self.note.setText("No vector column was found: choose one above.")

    def _preview(self) -> QTableWidget:
        cols = self.src.columns
        rows = min(PREVIEW_ROWS, self.src.n_rows)
        table = QTableWidget(rows, len(cols))
        table.setHorizontalHeaderLabels([c.name for c in cols])
        for j, c in enumerate(cols):
            for i in range(min(rows, len(c.sample))):
                table.setItem(i, j, QTableWidgetItem(_cell(c.sample[i])))
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        table.resizeColumnsToContents()
        return table

    def _fill_vectors(self) -> None:
        box = self.vectors
        box.addItem(NONE, None)
        for c in self.src.columns:
            if c.kind == "vector":
                dim = f"{c.dim}-d" if c.dim else "lengths differ"
                box.addItem(f"{c.name} ({dim})", [c.name])
        for names in numbered_groups(self.src.columns).values():
            if len(names) >= 2:
                box.addItem(f"{names[0]} … {names[-1]} ({len(names)} columns)", names)
        for i in range(box.count()):
            if box.itemData(i) == self.roles.vectors:
                box.setCurrentIndex(i)

    def _ask_metadata(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Metadata for the vectors", self.src.folder,
                                              "Tables (*.tsv *.csv *.txt)")  # fmt: skip
        if path:
            self.metadataChosen.emit(path)
            self.reject()

    def spec(self) -> TableSpec:
        """The user's choices (every role explicit, so detection cannot change under them)."""
        choices: dict = {role: box.currentData() or "" for role, box in self.combos.items()}
        embed = None
        if self.embed.isChecked():
            embed = choices["text"] or next((c.name for c in self.src.columns if c.kind == "string"), None)
        else:
            choices["vectors"] = self.vectors.currentData() or []
        return TableSpec(self.src.path, self.src.metadata, choices, embed)

    def _accept(self) -> None:
        spec = self.spec()
        if not spec.embed_text and not spec.choices.get("vectors"):
            self.note.setText(
                "<span style='color:#b00'>Choose the vector column, or tick “Embed the text”.</span>"
            )
            return
        self.accept()
