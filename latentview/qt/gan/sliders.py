"""The GAN dock's slider rows: direction and raw-dimension sliders in steps of 0.1 σ."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QWidget

STEPS_PER_SIGMA = 10  # direction and raw sliders move in 0.1 σ
SLIDER_RANGE = 3.0  # ± σ; GANSpace directions stay artefact-free to about ±3 σ


def make_slider(lo: int, hi: int, value: int = 0) -> QSlider:
    s = QSlider(Qt.Horizontal)
    s.setRange(lo, hi)
    s.setValue(value)
    s.setPageStep(STEPS_PER_SIGMA)
    return s


class SliderList(QWidget):
    """A column of labelled sliders (directions or raw dimensions); emits (index, value in σ)."""

    moved = Signal(int, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)
        self.sliders: list[QSlider] = []
        self._values: list[QLabel] = []

    def set_rows(self, names: list[str], tips: list[str] | None = None) -> None:
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        self.sliders, self._values = [], []
        r = int(SLIDER_RANGE * STEPS_PER_SIGMA)
        for i, name in enumerate(names):
            label, value, slider = QLabel(name), QLabel("0.0"), make_slider(-r, r)
            value.setMinimumWidth(34)
            if tips:
                label.setToolTip(tips[i])
            slider.valueChanged.connect(lambda v, i=i: self._on_move(i, v))
            self.grid.addWidget(label, i, 0)
            self.grid.addWidget(slider, i, 1)
            self.grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self._values.append(value)

    def _on_move(self, i: int, v: int) -> None:
        self._values[i].setText(f"{v / STEPS_PER_SIGMA:+.1f}")
        self.moved.emit(i, v / STEPS_PER_SIGMA)

    def set_values(self, values) -> None:
        for slider, label, v in zip(self.sliders, self._values, values):
            slider.blockSignals(True)
            slider.setValue(round(float(v) * STEPS_PER_SIGMA))
            slider.blockSignals(False)
            label.setText(f"{slider.value() / STEPS_PER_SIGMA:+.1f}")
