"""Words dock: open word vectors, choose how many words the map shows, search with prefix completion,
analogies drawn as arrows, word-pair axes, and selection export. Reads and writes only the session.

Words outside the N on the map (a searched word, its full-space neighbours, analogy operands) are
appended to the dataset and marked "added"; on a UMAP/t-SNE map they are placed at the
similarity-weighted mean of their nearest mapped words, on a word-pair-axes map exactly.
"""

from __future__ import annotations

import html
import os
import re

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from latentview.core.errors import UserError
from latentview.core.progress import Log
from latentview.qt.shell.features import Features
from latentview.qt.words import framing
from latentview.qt.words.overlay import ArrowsItem, WordLabelsItem
from latentview.qt.words.widgets import PrefixCompleter, VectorsDropFilter
from latentview.services import words as svc

ARROW = QColor("#e6550d")


class WordsPanel(QWidget):
    spaceLoaded = Signal(object)  # WordSpace
    resultsShown = Signal(str, object)  # title, [(word, score)]
    messageShown = Signal(str)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.session = window.session
        self.runner = window.runner
        self.space = None
        self.n = svc.DEFAULT_N
        self._row: dict[str, int] = {}
        self._axes: tuple | None = None  # ((x pair, y pair), (2, D) directions)
        self._analogy: list[str] = []  # operands then answer, as drawn
        self._augmenting = False
        self._frame_word: str | None = None  # a searched word: frame it with its neighbours
        self._anchor: list[int] = []  # rows the view was zoomed to; re-framed when a new layout lands
        self._build()
        self.labels = WordLabelsItem()
        self.arrows = ArrowsItem()
        for item in (self.labels, self.arrows):
            window.map.addItem(item, ignoreBounds=True)
        s = self.session
        s.dataset_changed.connect(self._on_dataset)
        s.rows_added.connect(self._on_rows_added)
        s.coords_changed.connect(self._on_coords)
        s.focus_changed.connect(self._on_focus)
        s.selection_changed.connect(self._update_export)
        window.map.viewbox.sigRangeChangedManually.connect(self._forget_anchor)

    # --- layout --------------------------------------------------------------------------
    def _build(self) -> None:
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

        self.n_slider = QSlider(Qt.Horizontal, minimum=0, maximum=len(svc.N_STEPS) - 1)
        self.n_slider.setValue(svc.N_STEPS.index(svc.DEFAULT_N))
        self.n_slider.setPageStep(1)
        self.n_label = QLabel()
        self._n_timer = QTimer(self, singleShot=True, interval=350)
        self._n_timer.timeout.connect(lambda: self.set_word_count(svc.N_STEPS[self.n_slider.value()]))
        self.n_slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.n_slider.value(), schedule=False)
        n_row = QHBoxLayout()
        n_row.addWidget(self.n_slider, 1)
        n_row.addWidget(self.n_label)

        self.search_edit = QLineEdit(placeholderText="Find a word…", clearButtonEnabled=True)
        self.completer = PrefixCompleter(self, self.search_edit)
        self.completer.activated.connect(self.search)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))

        self.analogy_edit = QLineEdit(placeholderText="king - man + woman")
        self.analogy_edit.returnPressed.connect(lambda: self.run_analogy())
        self.analogy_method = QComboBox()
        self.analogy_method.addItem("3CosAdd", "add")
        self.analogy_method.addItem("3CosMul", "mul")
        self.analogy_method.setToolTip("3CosAdd: gensim most_similar; 3CosMul: Levy & Goldberg (2014)")
        go = QPushButton("=")
        go.setFixedWidth(32)
        go.clicked.connect(lambda: self.run_analogy())
        self.analogy_edit.setMinimumWidth(150)
        a_row = QHBoxLayout()  # under the expression, which gets the dock's whole width
        a_row.addWidget(self.analogy_method, 1)
        a_row.addWidget(go)

        self.axis_edits = [QLineEdit(text=t) for t in ("man", "woman", "bad", "good")]
        for e in self.axis_edits:
            e.setMinimumWidth(50)
            PrefixCompleter(self, e)
            e.returnPressed.connect(self.apply_axes)
        axes_box = QGroupBox("Word-pair axes")
        af = QFormLayout(axes_box)
        for title, (a, b) in (("x", self.axis_edits[:2]), ("y", self.axis_edits[2:])):
            row = QHBoxLayout()
            row.addWidget(a)
            row.addWidget(QLabel("→"))
            row.addWidget(b)
            af.addRow(title, row)
        self.axes_button = QPushButton("Project onto these axes")
        self.axes_button.clicked.connect(lambda: self.apply_axes())
        af.addRow(self.axes_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b22222")
        self.message.setTextFormat(Qt.RichText)
        self.message.linkActivated.connect(self._use_suggestion)  # "Did you mean <a>toilet</a>?"
        self._unknown: tuple[str, str] | None = None  # (where: search|analogy|axes, the unknown word)
        self.results_title = QLabel()
        self.results_title.setWordWrap(True)
        self.results = QListWidget()
        self.results.itemActivated.connect(lambda it: self.search(it.data(Qt.UserRole)))
        self.results.itemClicked.connect(lambda it: self.search(it.data(Qt.UserRole)))
        self.export_button = QPushButton("Export selection…")
        self.export_button.setToolTip("Lassoed words to CSV (word, label, x, y) or TXT (one per line)")
        self.export_button.clicked.connect(self._ask_export)
        self.export_button.setEnabled(False)

        form = QFormLayout()
        form.addRow("Words on map", n_row)
        form.addRow("Search", self.search_edit)
        form.addRow("Analogy", self.analogy_edit)
        form.addRow("", a_row)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addLayout(buttons)
        lay.addLayout(form)
        lay.addWidget(axes_box)
        lay.addWidget(self.message)
        lay.addWidget(self.results_title)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.export_button)

    # --- opening -------------------------------------------------------------------------
    def open_builtin(self) -> None:
        self._open(None, trusted=False)

    def open_file(self, path: str, trusted: bool | str = False) -> None:
        """A .kv pickle asks first (see qt/common/trust_dialog.py); `trusted` is a confirmed digest."""
        self._open(os.path.abspath(path), trusted)

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open word vectors", "",
                                              "Word vectors (*.bin *.txt *.vec *.kv *.model *.gz *.bz2);;"
                                              "All files (*)")  # fmt: skip
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
        from latentview.backends.trust_store import TrustNeeded
        from latentview.qt.common.trust_dialog import confirm_code

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

    # --- session → overlays --------------------------------------------------------------
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
        plot = self.window.map.plotItem
        for side, pair in (("bottom", 0), ("left", 1)):
            if self._axes is not None:
                a, b = self._axes[0][pair]
                plot.getAxis(side).enableAutoSIPrefix(False)
                plot.setLabel(side, f"{a} → {b}", color="#333")
            plot.showLabel(side, self._axes is not None)
        self._update_pins()

    def _update_pins(self) -> None:
        s = self.session
        pinned = [s.focus] + [self._row.get(w) for w in self._analogy]
        self.labels.set_pinned(pinned, priority=s.neighbours[0] if s.focus is not None else ())

    def _on_focus(self) -> None:
        self._update_pins()
        s = self.session
        if s.focus is None or not self._is_ours() or self._augmenting:
            return
        word = s.dataset.items[s.focus]
        self.runner.submit("word-neighbours", svc.as_task, self.space.neighbours, word, s.k,
                           message=f"Neighbours of {word}", title="Word neighbours",
                           on_result=lambda res, w=word: self._on_neighbours(w, res))  # fmt: skip

    def _on_neighbours(self, word: str, results) -> None:
        s = self.session
        if s.focus is None or not self._is_ours() or s.dataset.items[s.focus] != word:
            return  # the focus moved on
        missing = [self.space.find(w) for w, _ in results if w not in self._row]
        if missing:
            self._augment(missing)
            s.set_focus(self._row[word])  # the Inspector now lists the full-space neighbours
            return
        self._show_results(f"Nearest to <b>{word}</b> among all {len(self.space):,} words (cosine similarity):",
                           results)  # fmt: skip
        if self._frame_word == word and s.coords is not None:
            self._frame_word = None
            self._frame_around(s.focus, [self._row[w] for w, _ in results[:3]])

    def _show_results(self, title: str, results) -> None:
        self.results_title.setText(title)
        self.results.clear()
        for w, score in results:
            it = QListWidgetItem(f"{w}\t{score:.3f}" + ("  (added)" if self._is_added(w) else ""))
            it.setData(Qt.UserRole, w)
            self.results.addItem(it)
        self.resultsShown.emit(title, list(results))

    def _is_added(self, word: str) -> bool:
        i = self._row.get(word)
        return i is not None and self.session.dataset.labels[i] == svc.ADDED

    def _say(self, text: str) -> None:
        self._unknown = None
        self.message.setText(html.escape(text))
        if text:
            self.window.log.add(Log(text, "warning"))
            self.messageShown.emit(text)

    def _ready(self) -> bool:
        """Word tools need word vectors on the map; say what to do when they are not."""
        if self._is_ours():
            return True
        if self.space is None:
            self._say("No word vectors are open: press Built-in GloVe or Open file… first.")
        else:
            self._say(f"The map shows something else now: move the ‘Words on map’ slider or press "
                      f"Built-in GloVe to show the words of {self.space.name} again.")  # fmt: skip
        return False

    def _say_unknown(self, exc: UserError, where: str) -> None:
        """An unknown word: the sentence, with each suggestion a link that retries with it."""
        self._say(str(exc))
        if not isinstance(exc, svc.UnknownWordError) or not exc.suggestions:
            return
        self._unknown = (where, exc.word)
        links = ", ".join(f'<a href="{html.escape(w)}">{html.escape(w)}</a>' for w in exc.suggestions)
        head = str(exc).split(" Did you mean")[0]
        self.message.setText(f"{html.escape(head)} Did you mean {links}?")

    def _use_suggestion(self, word: str) -> None:
        if self._unknown is None:
            return
        where, wrong = self._unknown
        if where == "search":
            self.search_edit.setText(word)
            self.search(word)
        elif where == "analogy":
            text = re.sub(rf"(?<![\w-]){re.escape(wrong)}(?![\w-])", word, self.analogy_edit.text())
            self.analogy_edit.setText(text)
            self.run_analogy()
        else:
            for edit in self.axis_edits:
                if edit.text().strip() == wrong:
                    edit.setText(word)
            self.apply_axes()

    # --- adding words outside the top N --------------------------------------------------
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

    # --- search ---------------------------------------------------------------------------
    def search(self, text: str) -> int | None:
        """Find a word: select it, focus it (Inspector shows its neighbours) and zoom the map to it."""
        if not text or not text.strip() or not self._ready():
            return None
        try:
            word = svc.resolve(self.space, text)
        except UserError as exc:
            self._say_unknown(exc, "search")
            return None
        self._say("")
        (row,) = self.ensure_on_map([word])
        s = self.session
        s.select_indices([row])
        s.set_focus(row)
        if s.coords is not None:
            self._zoom_to(row)  # at once; refined to frame its neighbours when they arrive
            self._frame_word = word
        return row

    def _frame_around(self, row: int, others: list[int]) -> None:
        self._anchor = [row, *others]
        self.window.map.zoom_to(*framing.around(self.session.coords, row, others))

    def _zoom_to(self, row: int) -> None:
        self._anchor = [row]
        self.window.map.zoom_to(
            *framing.on_row(self.session.coords, row, self.window.map.viewbox.viewRange())
        )

    # --- analogy --------------------------------------------------------------------------
    def run_analogy(self, text: str | None = None, method: str | None = None) -> None:
        """'king - man + woman': ranked answers in the list, operands and answer joined by arrows."""
        if text is not None:
            self.analogy_edit.setText(text)
        if method is not None:
            self.analogy_method.setCurrentIndex(self.analogy_method.findData(method))
        if not self._ready():
            return
        try:
            pos, neg = svc.parse_analogy(self.analogy_edit.text())
            pos = [svc.resolve(self.space, w) for w in pos]
            neg = [svc.resolve(self.space, w) for w in neg]
        except UserError as exc:
            self._say_unknown(exc, "analogy")
            return
        self._say("")
        m = self.analogy_method.currentData()
        self.runner.submit("word-analogy", svc.as_task, self.space.analogy, pos, neg, 10, m,
                           message="Analogy", title="Word analogy",
                           on_result=lambda res: self._on_analogy(pos, neg, m, res),
                           on_error=self._say)  # fmt: skip

    def _on_analogy(self, pos: list[str], neg: list[str], method: str, results) -> None:
        if not results or not self._is_ours():
            return
        answer = results[0][0]
        expr = " + ".join(pos[:1]) + "".join(f" − {w}" for w in neg) + "".join(f" + {w}" for w in pos[1:])
        name = "3CosMul" if method == "mul" else "3CosAdd"
        self._analogy = [*pos, *neg, answer]
        rows = dict(zip(self._analogy, self.ensure_on_map(self._analogy)))
        if len(pos) == 2 and len(neg) == 1:  # b→a and c→d: the same offset twice (man→king, woman→queen)
            pairs = [(rows[neg[0]], rows[pos[0]], ARROW, False), (rows[pos[1]], rows[answer], ARROW, False)]
        else:
            pairs = [(rows[w], rows[answer], ARROW, w in neg) for w in pos + neg]
        self.arrows.set_arrows(pairs)
        self._update_pins()
        self._show_results(f"{expr} = ? ({name}):", results)
        self._frame(list(rows.values()))

    def _frame(self, rows: list[int]) -> None:
        """Zoom to `rows` (an analogy's words) so its arrows read; re-framed when a new layout lands."""
        xy = self.session.coords
        if xy is not None and rows and max(rows) < len(xy):
            self._anchor = list(rows)
            self.window.map.zoom_to(*framing.box(xy, rows))

    # --- word-pair axes -------------------------------------------------------------------
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

    # --- export ---------------------------------------------------------------------------
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


def install(features: Features) -> None:
    """The words feature: a tab in the left stack, File-menu entries and vectors-file drops."""
    window = features.window
    panel = features.provide(WordsPanel(window))
    features.panel("Words", panel, "left", 20, view_order=10)
    builtin = QAction("Open &Word Vectors (GloVe, built in)", window, triggered=panel.open_builtin)
    from_file = QAction("Open Word Vectors &File…", window, triggered=panel._ask_file)
    features.action("file", "words", builtin, 0)
    features.action("file", "words", from_file, 1)
    window.installEventFilter(VectorsDropFilter(panel))
    from latentview.qt.words import session_state

    session_state.install(features, panel)
