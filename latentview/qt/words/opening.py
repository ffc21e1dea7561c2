"""The Words dock's vectors: the built-in GloVe and Open file… buttons, loading in the background
(asking before a pickle runs), and the ‘Words on map’ slider that chooses how many words are shown."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSlider

from latentview.services import words as svc

VECTOR_FILES = "Word vectors (*.bin *.txt *.vec *.kv *.model *.gz *.bz2);;All files (*)"


class VectorsOpening:
    """Mixin of WordsPanel: owns `info`, the open buttons, `n_slider`/`n_label`, `space` and `n`;
    needs `window`, `runner`, `_say()` and the `spaceLoaded` signal."""

    def _build_open_row(self) -> QHBoxLayout:
        self.info = QLabel("No word vectors open.")
        self.info.setWordWrap(True)
        self.builtin_button = QPushButton("Built-in GloVe")
        self.builtin_button.setToolTip("GloVe 6B 50d (Stanford NLP, PDDL-1.0): 400,000 words, offline")
        self.builtin_button.clicked.connect(self.open_builtin)
        self.open_button = QPushButton("Open file…")
        self.open_button.setToolTip("word2vec .bin/.txt, GloVe .txt, fastText .vec or gensim .kv")
        self.open_button.clicked.connect(self._ask_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.builtin_button)
        buttons.addWidget(self.open_button)
        return buttons

    def _build_count_row(self) -> QHBoxLayout:
        self.n_slider = QSlider(Qt.Horizontal, minimum=0, maximum=len(svc.N_STEPS) - 1)
        self.n_slider.setValue(svc.N_STEPS.index(svc.DEFAULT_N))
        self.n_slider.setPageStep(1)
        self.n_label = QLabel()
        self._n_timer = QTimer(self, singleShot=True, interval=350)
        self._n_timer.timeout.connect(lambda: self.set_word_count(svc.N_STEPS[self.n_slider.value()]))
        self.n_slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.n_slider.value(), schedule=False)
        row = QHBoxLayout()
        row.addWidget(self.n_slider, 1)
        row.addWidget(self.n_label)
        return row

    def open_builtin(self) -> None:
        self._open(None, trusted=False)

    def open_file(self, path: str, trusted: bool | str = False) -> None:
        """A .kv pickle asks first (see qt/common/trust_dialog.py); `trusted` is a confirmed digest."""
        self._open(os.path.abspath(path), trusted)

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open word vectors", "", VECTOR_FILES)
        if path:
            self.open_file(path)

    def _open(self, path: str | None, trusted: bool | str) -> None:
        if not self.window.confirm_replace_map():  # offers to save the current map's groups
            return
        self._say("")
        self.info.setText(f"Opening {os.path.basename(path) if path else 'GloVe 6B 50d'}…")
        self.runner.submit("words-load", svc.open_space, path, trusted, ask=True, on_result=self._on_space,
                           on_error=self._on_load_failed, title="Loading word vectors")  # fmt: skip

    def _on_space(self, space) -> None:
        from latentview.qt.common.trust_dialog import confirm_code
        from latentview.services.models import TrustNeeded

        if isinstance(space, TrustNeeded):  # a pickle: ask, then open with the confirmed digest
            if confirm_code(self, space):
                self._open(space.path, space.digest)
            else:
                self._on_load_failed(f"Did not open {os.path.basename(space.path)}: it can run code.")
            return
        self.space = space
        self.info.setText(f"<b>{space.name}</b> · {len(space):,} words × {space.dim}-d "
                          f"({len(space.display_ids):,} alphabetic), loaded in {space.load_seconds:.1f} s")  # fmt: skip
        self._show_space()
        self.spaceLoaded.emit(space)

    def _on_load_failed(self, message: str) -> None:
        self.info.setText(self.space.describe() if self.space is not None else "No word vectors open.")
        self._say(message)

    def _on_slider(self, value: int, schedule: bool = True) -> None:
        self.n_label.setText(f"{svc.N_STEPS[value]:,}")
        if schedule:
            self._n_timer.start()

    def set_word_count(self, n: int) -> None:
        """Show the n most frequent alphabetic words (re-projects)."""
        self.n = int(n)
        if int(n) in svc.N_STEPS and svc.N_STEPS[self.n_slider.value()] != int(n):
            self.n_slider.blockSignals(True)
            self.n_slider.setValue(svc.N_STEPS.index(int(n)))
            self.n_label.setText(f"{int(n):,}")
            self.n_slider.blockSignals(False)
        if self.space is not None:
            self._show_space()

    def _show_space(self) -> None:
        self._axes = None
        self.window.show_dataset(svc.word_dataset(self.space, self.n))
