"""Words dock: open word vectors, choose how many words the map shows, search with prefix completion,
analogies drawn as arrows, word-pair axes, and selection export. Reads and writes only the session.

The panel is composed of parts, one module each: opening.py (vectors and the word count),
queries.py (search, neighbours, analogies), axes.py (word-pair axes), map_binding.py (rows, overlays,
added words, export), messages.py (the message line and its suggestions). This module keeps the
dock's state, its layout and `install_words_panel`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFormLayout, QVBoxLayout, QWidget

from latentview.qt.shell.features import Features
from latentview.qt.words.axes import WordAxes
from latentview.qt.words.map_binding import WordsOnMap
from latentview.qt.words.messages import WordMessages
from latentview.qt.words.opening import VectorsOpening
from latentview.qt.words.overlay import ArrowsItem, WordLabelsItem
from latentview.qt.words.queries import WordQueries
from latentview.qt.words.widgets import VectorsDropFilter
from latentview.services import words as svc


class WordsPanel(VectorsOpening, WordQueries, WordAxes, WordsOnMap, WordMessages, QWidget):
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
        self._connect_session()

    def _build(self) -> None:
        buttons = self._build_open_row()
        form = QFormLayout()
        form.addRow("Words on map", self._build_count_row())
        form.addRow("Search", self._build_search_field())
        analogy_edit, analogy_row = self._build_analogy_rows()
        form.addRow("Analogy", analogy_edit)
        form.addRow("", analogy_row)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addLayout(buttons)
        lay.addLayout(form)
        lay.addWidget(self._build_axes_box())
        lay.addWidget(self._build_message())
        results_title, results = self._build_results()
        lay.addWidget(results_title)
        lay.addWidget(results, 1)
        lay.addWidget(self._build_export_button())


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
