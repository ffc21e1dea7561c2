"""The Words dock's hold on the map: which rows are its words, their labels, pins and arrows as the
layout changes, words from outside the top N appended as "added", and export of the lassoed words.

Words outside the N on the map (a searched word, its full-space neighbours, analogy operands) are
appended to the dataset and marked "added"; on a UMAP/t-SNE map they are placed at the
similarity-weighted mean of their nearest mapped words, on a word-pair-axes map exactly.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QPushButton

from latentview.core.errors import UserError
from latentview.core.progress import Log
from latentview.services import words as svc


class WordsOnMap:
    """Mixin of WordsPanel: owns `_row` (word → dataset row), `_anchor` and `export_button`; needs
    `session`, `window`, `space`, `labels`, `arrows`, `_axes`, `_analogy` and the overlays' items."""

    def _connect_session(self) -> None:
        s = self.session
        s.dataset_changed.connect(self._on_dataset)
        s.rows_added.connect(self._on_rows_added)
        s.coords_changed.connect(self._on_coords)
        s.focus_changed.connect(self._on_focus)
        s.selection_changed.connect(self._update_export)
        self.window.map.viewbox.sigRangeChangedManually.connect(self._forget_anchor)

    def _is_ours(self) -> bool:
        ds = self.session.dataset
        return (
            self.space is not None
            and ds is not None
            and ds.kind == "words"
            and ds.meta.get("space") is self.space
        )

    def _on_dataset(self) -> None:
        ds = self.session.dataset
        self._row = {w: i for i, w in enumerate(ds.items)} if self._is_ours() else {}
        self._anchor = []
        if not self._augmenting:
            self._analogy = []
            self.arrows.set_arrows([])
            self.labels.clear()
            self.results.clear()
            self.results_title.clear()
            self._say("")

    def _on_rows_added(self, added) -> None:
        items = self.session.dataset.items
        self._row.update((items[i], i) for i in range(added.start, added.stop))

    def _forget_anchor(self, *_) -> None:
        self._anchor = []

    def _on_coords(self, final: bool) -> None:
        s = self.session
        if not self._is_ours():
            self.labels.clear()
            for side in ("bottom", "left"):  # a word-pair axes map's titles go with it
                self.window.map.plotItem.showLabel(side, False)
            return
        if final and self._anchor and not self._augmenting:  # a new layout: the same words, elsewhere
            self._frame(self._anchor)
        self.labels.set_words(s.dataset.items, s.coords)
        self.arrows.set_points(s.coords)
        if s.projection != "axes":
            self._axes = None
        self._show_axis_titles()
        self._update_pins()

    def _show_axis_titles(self) -> None:
        """A word-pair axes map names its axes ("man → woman"); any other layout shows no titles."""
        plot = self.window.map.plotItem
        for side, pair in (("bottom", 0), ("left", 1)):
            if self._axes is not None:
                a, b = self._axes[0][pair]
                plot.getAxis(side).enableAutoSIPrefix(False)
                plot.setLabel(side, f"{a} → {b}", color="#333")
            plot.showLabel(side, self._axes is not None)

    def _update_pins(self) -> None:
        s = self.session
        pinned = [s.focus] + [self._row.get(w) for w in self._analogy]
        self.labels.set_pinned(pinned, priority=s.neighbours[0] if s.focus is not None else ())

    # --- adding words outside the top N ----------------------------------------------------------
    def _augment(self, vocab_ids) -> None:
        """Append words to the map's dataset (Session.add_rows): groups, clusters, the layout and the
        view are kept; the new words are placed beside their nearest mapped words (exactly on axes)."""
        s = self.session
        ids = [
            int(i) for i in dict.fromkeys(vocab_ids) if i is not None and self.space.words[i] not in self._row
        ]
        if not ids:
            return
        new = svc.extend_dataset(s.dataset, self.space, ids)
        exact = None
        if self._axes is not None and s.coords is not None:
            exact = svc.axes_coords(new.embeddings[len(s.dataset) :], self._axes[1])
        self._augmenting = True
        try:
            s.add_rows(new, exact)
        finally:
            self._augmenting = False
        self.window.log.add(Log(f"Added to the map: {', '.join(self.space.words[i] for i in ids)}", "info"))

    def ensure_on_map(self, words: list[str]) -> list[int]:
        """Dataset rows of `words` (vocabulary spellings), adding those outside the top N."""
        self._augment([self.space.find(w) for w in words])
        return [self._row[w] for w in words]

    # --- export of the lassoed words -------------------------------------------------------------
    def _build_export_button(self) -> QPushButton:
        self.export_button = QPushButton("Export selection…")
        self.export_button.setToolTip("Lassoed words to CSV (word, label, x, y) or TXT (one per line)")
        self.export_button.clicked.connect(self._ask_export)
        self.export_button.setEnabled(False)
        return self.export_button

    def _update_export(self) -> None:
        self.export_button.setEnabled(self._is_ours() and len(self.session.selected_indices) > 0)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export selected words", "words.csv",
                                              "CSV (*.csv);;Text, one word per line (*.txt)")  # fmt: skip
        if path:
            self.export_selection(path)

    def export_selection(self, path: str) -> int:
        s = self.session
        idx = s.selected_indices
        try:
            n = svc.export_words(path, [s.dataset.items[i] for i in idx], [s.dataset.labels[i] for i in idx],
                                 None if s.coords is None else s.coords[idx])  # fmt: skip
        except (UserError, OSError) as exc:
            self._say(str(exc))
            return 0
        self.window.log.add(Log(f"Exported {n:,} words to {path}", "info"))
        return n
