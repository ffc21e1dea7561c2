"""The Words dock's message line: one sentence for what went wrong, and for an unknown word its
suggestions as links that retry the search, analogy or axes with the suggested word."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from latentview.core.errors import UserError
from latentview.core.progress import Log
from latentview.services import words as svc


class WordMessages:
    """Mixin of WordsPanel: owns `message`; needs `window`, `space`, `_is_ours()`, the search, analogy
    and axes tools, and the `messageShown` signal."""

    def _build_message(self) -> QLabel:
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b22222")
        self.message.setTextFormat(Qt.RichText)
        self.message.linkActivated.connect(self._use_suggestion)  # "Did you mean <a>toilet</a>?"
        self._unknown: tuple[str, str] | None = None  # (where: search|analogy|axes, the unknown word)
        return self.message

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
