"""The Words dock's word-pair axes: re-project every word onto two semantic directions (e.g.
man→woman, bad→good), the Embedding Projector's custom projection, with titled axes."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from latentview.core.errors import UserError
from latentview.qt.words.widgets import PrefixCompleter
from latentview.services import words as svc


class WordAxes:
    """Mixin of WordsPanel: owns `axis_edits`, `axes_button` and `_axes` ((x pair, y pair), (2, D)
    directions); needs `session`, `window`, `space`, `ensure_on_map()` and the messages."""

    def _build_axes_box(self) -> QGroupBox:
        self.axis_edits = [QLineEdit(text=t) for t in ("man", "woman", "bad", "good")]
        for e in self.axis_edits:
            e.setMinimumWidth(50)
            PrefixCompleter(self, e)
            e.returnPressed.connect(self.apply_axes)
        box = QGroupBox("Word-pair axes")
        form = QFormLayout(box)
        for title, (a, b) in (("x", self.axis_edits[:2]), ("y", self.axis_edits[2:])):
            row = QHBoxLayout()
            row.addWidget(a)
            row.addWidget(QLabel("→"))
            row.addWidget(b)
            form.addRow(title, row)
        self.axes_button = QPushButton("Project onto these axes")
        self.axes_button.clicked.connect(lambda: self.apply_axes())
        form.addRow(self.axes_button)
        return box

    def apply_axes(
        self, x_pair: tuple[str, str] | None = None, y_pair: tuple[str, str] | None = None
    ) -> None:
        """Re-project every word onto two semantic directions (e.g. man→woman, bad→good)."""
        if x_pair is not None:
            self.axis_edits[0].setText(x_pair[0])
            self.axis_edits[1].setText(x_pair[1])
        if y_pair is not None:
            self.axis_edits[2].setText(y_pair[0])
            self.axis_edits[3].setText(y_pair[1])
        if not self._ready():
            return
        texts = [e.text().strip() for e in self.axis_edits]
        try:
            words = [svc.resolve(self.space, t) for t in texts]
            pairs = ((words[0], words[1]), (words[2], words[3]))
            dirs = np.stack([svc.axis_direction(self.space, p) for p in pairs])
        except UserError as exc:
            self._say_unknown(exc, "axes")
            return
        self._say("")
        self.window.runner.cancel("project")  # a UMAP still running must not overwrite the axes
        self._axes = (pairs, dirs)
        self._anchor = []
        self.ensure_on_map(words)
        s = self.session
        s.set_coords(svc.axes_coords(s.dataset.embeddings, dirs), "axes", final=True)
        self.window.map.fit()
