"""The GAN dock's steering controls and the latent state they edit: seed (with Random), truncation,
direction sliders and raw latent dimensions. State lives in a Qt-free `LatentState` (services.gan);
the widgets are written from it with their signals blocked, so nothing echoes — the Seed box
included, so it always names the seed the caption names (or none, for a latent that is no seed's)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
)

from latentview.qt.gan.sliders import SliderList, make_slider

NO_SEED = -1  # the Seed box's value (shown as NO_SEED_TEXT) while the latent is not a seed's
NO_SEED_TEXT = "—"
MAX_SEED = 2**31 - 1


class Steering:
    """Mixin of GanPanel: owns `seed_box`, `scale_slider`, `direction_list`, `raw_toggle`, `raw_list`
    and `state`; needs `gen`, `directions` and `request_render()`."""

    def _build_seed_form(self) -> QFormLayout:
        self.seed_box = QSpinBox(minimum=NO_SEED, maximum=MAX_SEED, keyboardTracking=False)
        self.seed_box.setSpecialValueText(NO_SEED_TEXT)
        self.seed_box.setToolTip(f"{NO_SEED_TEXT}: the image is not a seed's (a map point, an interpolation "
                                 "frame, edited raw dimensions); type a seed to go back to one")  # fmt: skip
        self.seed_box.valueChanged.connect(self.set_seed)
        random_button = QPushButton("Random")
        random_button.clicked.connect(
            lambda: self.seed_box.setValue(int(np.random.default_rng().integers(MAX_SEED)))
        )
        self.scale_slider = make_slider(0, 200, 100)
        self.scale_slider.setToolTip(
            "Truncation: scale the latent towards the average image (1.0 = as sampled)"
        )
        self.scale_label = QLabel("1.00")
        self.scale_slider.valueChanged.connect(self._on_scale)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(random_button)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale_slider, 1)
        scale_row.addWidget(self.scale_label)
        form = QFormLayout()
        form.addRow("Seed", seed_row)
        form.addRow("Truncation", scale_row)
        return form

    def _build_directions_box(self) -> QGroupBox:
        self.direction_list = SliderList()
        self.direction_list.moved.connect(self._on_direction)
        self.directions_status = QLabel("Directions are computed once per generator, in the background.")
        self.directions_status.setWordWrap(True)
        reset = QPushButton("Reset sliders")
        reset.clicked.connect(self.reset_directions)
        self.raw_toggle = QToolButton(text="Raw latent dimensions", checkable=True)
        self.raw_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.raw_toggle.setArrowType(Qt.RightArrow)
        self.raw_toggle.toggled.connect(self._toggle_raw)
        self.raw_list = SliderList()
        self.raw_list.moved.connect(self._on_raw)
        self.raw_list.setVisible(False)
        box = QGroupBox("Directions (GANSpace, σ)")
        lay = QVBoxLayout(box)
        lay.addWidget(self.directions_status)
        lay.addWidget(self.direction_list)
        lay.addWidget(reset, 0, Qt.AlignRight)
        lay.addWidget(self.raw_toggle)
        lay.addWidget(self.raw_list)
        return box

    # --- state → image ---------------------------------------------------------------------------
    def current_latent(self) -> np.ndarray:
        return self.state.latent(self.directions)

    def set_seed(self, seed: int) -> None:
        """The latent of `seed` becomes the base; the Seed box follows whoever called (box, walk, API)."""
        from latentview.services.gan import latent_for_seed

        if self.gen is None:
            return
        if seed < 0:  # stepped below 0 onto "no seed": nothing to render, show the state's seed again
            self._show_seed()
            return
        self.state.base, self.state.seed = latent_for_seed(seed, self.gen.nz), int(seed)
        self.set_latent_controls()
        self.request_render()

    def set_base(self, z: np.ndarray, reset_amounts: bool = True) -> None:
        """Load a latent (a map point, an interpolation frame) as the new base of the sliders."""
        self.state.base, self.state.seed = np.asarray(z, np.float32).copy(), None
        if reset_amounts:
            self.state.amounts.clear()
            self.state.scale = 1.0
        self.set_latent_controls()
        self.request_render()

    def _show_seed(self) -> None:
        """The Seed box names the state's seed, or no seed (so the caption and the box always agree)."""
        seed = self.state.seed if self.state is not None else None
        self.seed_box.blockSignals(True)
        self.seed_box.setValue(seed if seed is not None and 0 <= seed <= MAX_SEED else NO_SEED)
        self.seed_box.blockSignals(False)

    def set_latent_controls(self) -> None:
        """Write the state into the widgets with their signals blocked (no echo)."""
        st = self.state
        self._show_seed()
        self.scale_slider.blockSignals(True)
        self.scale_slider.setValue(round(st.scale * 100))
        self.scale_slider.blockSignals(False)
        self.scale_label.setText(f"{st.scale:.2f}")
        if self.directions is not None:
            self.direction_list.set_values([st.amounts.get(n, 0.0) for n in self.directions.names])
        if self.raw_toggle.isChecked():
            self.raw_list.set_values(st.base)

    def reset_directions(self) -> None:
        self.state.amounts.clear()
        self.set_latent_controls()
        self.request_render()

    def _on_scale(self, v: int) -> None:
        self.state.scale = v / 100
        self.scale_label.setText(f"{self.state.scale:.2f}")
        self.request_render()

    def _on_direction(self, i: int, sigmas: float) -> None:
        self.state.amounts[self.directions.names[i]] = sigmas
        self.request_render()

    def _on_raw(self, i: int, value: float) -> None:
        self.state.base[i], self.state.seed = value, None
        self._show_seed()
        self.request_render()

    def _toggle_raw(self, on: bool) -> None:
        self.raw_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        if on and self.gen is not None and not self.raw_list.sliders:
            self.raw_list.set_rows([f"z{i}" for i in range(self.gen.nz)])  # built on first open only
        self.raw_list.setVisible(on)
        if on and self.state is not None:
            self.raw_list.set_values(self.state.base)
