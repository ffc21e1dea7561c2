"""The Words dock's questions: find a word (prefix completion, select, focus, zoom), its full-space
neighbours in the results list, and analogies ("king - man + woman") drawn as arrows and framed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from latentview.core.errors import UserError
from latentview.qt.words import framing
from latentview.qt.words.widgets import PrefixCompleter
from latentview.services import words as svc

ARROW = QColor("#e6550d")


class WordQueries:
    """Mixin of WordsPanel: owns the search and analogy fields, `results`/`results_title` and the
    analogy drawn (`_analogy`); needs `session`, `runner`, `window`, `space`, `arrows`, the map binding
    (`_row`, `_is_ours()`, `ensure_on_map()`, `_update_pins()`), the messages and `resultsShown`."""

    def _build_search_field(self) -> QLineEdit:
        self.search_edit = QLineEdit(placeholderText="Find a word…", clearButtonEnabled=True)
        self.completer = PrefixCompleter(self, self.search_edit)
        self.completer.activated.connect(self.search)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        return self.search_edit

    def _build_analogy_rows(self) -> tuple[QLineEdit, QHBoxLayout]:
        self.analogy_edit = QLineEdit(placeholderText="king - man + woman")
        self.analogy_edit.returnPressed.connect(lambda: self.run_analogy())
        self.analogy_edit.setMinimumWidth(150)
        self.analogy_method = QComboBox()
        self.analogy_method.addItem("3CosAdd", "add")
        self.analogy_method.addItem("3CosMul", "mul")
        self.analogy_method.setToolTip("3CosAdd: gensim most_similar; 3CosMul: Levy & Goldberg (2014)")
        go = QPushButton("=")
        go.setFixedWidth(32)
        go.clicked.connect(lambda: self.run_analogy())
        row = QHBoxLayout()  # under the expression, which gets the dock's whole width
        row.addWidget(self.analogy_method, 1)
        row.addWidget(go)
        return self.analogy_edit, row

    def _build_results(self) -> tuple[QLabel, QListWidget]:
        self.results_title = QLabel()
        self.results_title.setWordWrap(True)
        self.results = QListWidget()
        self.results.itemActivated.connect(lambda it: self.search(it.data(Qt.UserRole)))
        self.results.itemClicked.connect(lambda it: self.search(it.data(Qt.UserRole)))
        return self.results_title, self.results

    # --- neighbours of the focused word -----------------------------------------------------------
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

    # --- search ---------------------------------------------------------------------------------
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

    # --- analogy --------------------------------------------------------------------------------
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
