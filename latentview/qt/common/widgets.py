"""Small widgets shared by the docks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter


class ElidingComboBox(QComboBox):
    """A combo box that ends a text too long for it with an ellipsis (Qt clips it mid-letter), with
    the full text as its tooltip; the dock can then stay narrow."""

    def paintEvent(self, _ev) -> None:
        p = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        p.drawComplexControl(QStyle.CC_ComboBox, opt)
        rect = self.style().subControlRect(QStyle.CC_ComboBox, opt, QStyle.SC_ComboBoxEditField, self)
        opt.currentText = p.fontMetrics().elidedText(opt.currentText, Qt.ElideRight, rect.width() - 4)
        p.drawControl(QStyle.CE_ComboBoxLabel, opt)

    def elided_text(self) -> str:
        """The text as drawn now (tests)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        rect = self.style().subControlRect(QStyle.CC_ComboBox, opt, QStyle.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.ElideRight, rect.width() - 4)
