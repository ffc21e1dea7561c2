"""The GAN dock: steer a generator's latent with sliders, see the image live, save it.

State lives in a Qt-free `LatentState` (services.gan); widgets are bound to it with their signals
blocked while the state writes them, so nothing echoes. Rendering goes through the task runner with
at most one render in flight: slider storms coalesce into "render the newest state next".
Interpolation, the latent map and fitted directions are sections in gan_sections.py.
"""

from __future__ import annotations

import os
import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latentview.core.errors import UserError, guard
from latentview.core.progress import Log
from latentview.qt.common.imaging import to_pixmap
from latentview.qt.shell.features import Features

STEPS_PER_SIGMA = 10  # direction and raw sliders move in 0.1 σ
SLIDER_RANGE = 3.0  # ± σ; GANSpace directions stay artefact-free to about ±3 σ
VIEW_SIZE = 256


def _slider(lo: int, hi: int, value: int = 0) -> QSlider:
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
            label, value, slider = QLabel(name), QLabel("0.0"), _slider(-r, r)
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


class GanPanel(QWidget):
    """Generator picker, live image, seed/random, truncation, direction sliders, raw dimensions."""

    imageShown = Signal()  # a render landed in the view
    generatorReady = Signal(str)  # generator name
    directionsReady = Signal(int)  # number of direction sliders
    stateChanged = Signal()  # the current latent changed (cursor, interpolation follow it)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.runner = window.runner
        self.gen = None
        self.directions = None
        self.state = None
        self.image: np.ndarray | None = None
        self.latencies: list[float] = []  # seconds from a slider move to the image that includes it
        self._rendering = False
        self._dirty_since: float | None = None
        self._inflight_since = 0.0
        self._build()
        self.runner.finished.connect(self._on_task_finished)

    # --- construction --------------------------------------------------------------------
    def _build(self) -> None:
        from latentview.backends.generators import GENERATORS
        from latentview.qt.gan.sections import FitSection, InterpolationSection, MapSection

        self.generator_box = QComboBox()
        self.generator_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.generator_box.setMinimumContentsLength(16)
        for spec in GENERATORS.values():
            self.generator_box.addItem(spec.title, spec.name)
        self.generator_box.activated.connect(lambda _i: self.load(self.generator_box.currentData()))
        load_file = QToolButton(
            text="File…", toolTip="Load a generator: TorchScript, safetensors or a state dict"
        )
        load_file.clicked.connect(self.ask_generator_file)

        self.view = QLabel("Loading generator…")
        self.view.setAlignment(Qt.AlignCenter)
        self.view.setFixedSize(VIEW_SIZE, VIEW_SIZE)
        self.view.setStyleSheet("background: #222; color: #ccc")
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #666")

        self.seed_box = QSpinBox(minimum=0, maximum=2**31 - 1, keyboardTracking=False)
        self.seed_box.valueChanged.connect(self.set_seed)
        random_button = QPushButton("Random")
        random_button.clicked.connect(
            lambda: self.seed_box.setValue(int(np.random.default_rng().integers(2**31 - 1)))
        )
        self.scale_slider = _slider(0, 200, 100)
        self.scale_slider.setToolTip(
            "Truncation: scale the latent towards the average image (1.0 = as sampled)"
        )
        self.scale_label = QLabel("1.00")
        self.scale_slider.valueChanged.connect(self._on_scale)

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

        save_png = QPushButton("Save PNG…")
        save_png.clicked.connect(self._ask_save_png)
        save_npy = QPushButton("Save latent…")
        save_npy.clicked.connect(self._ask_save_latent)

        top = QHBoxLayout()
        top.addWidget(self.generator_box, 1)
        top.addWidget(load_file)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(random_button)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale_slider, 1)
        scale_row.addWidget(self.scale_label)
        form = QFormLayout()
        form.addRow("Seed", seed_row)
        form.addRow("Truncation", scale_row)
        dirs = QGroupBox("Directions (GANSpace, σ)")
        dl = QVBoxLayout(dirs)
        dl.addWidget(self.directions_status)
        dl.addWidget(self.direction_list)
        dl.addWidget(reset, 0, Qt.AlignRight)
        dl.addWidget(self.raw_toggle)
        dl.addWidget(self.raw_list)
        saves = QHBoxLayout()
        saves.addWidget(save_png)
        saves.addWidget(save_npy)

        self.interpolation = InterpolationSection(self)
        self.latent_map = MapSection(self)
        self.fit = FitSection(self)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addLayout(top)
        lay.addWidget(self.view, 0, Qt.AlignHCenter)
        lay.addWidget(self.caption, 0, Qt.AlignHCenter)
        lay.addLayout(form)
        lay.addLayout(saves)
        lay.addWidget(dirs)
        for section in (self.interpolation, self.latent_map, self.fit):
            lay.addWidget(section)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        bar = scroll.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(max(VIEW_SIZE + 40, body.minimumSizeHint().width()) + bar + 4)

    # --- generators ----------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        """Load the default generator the first time the dock is shown (torch stays unloaded until then)."""
        if self.gen is None and not self.runner.is_running("gan-load"):
            self.load(self.generator_box.currentData())

    def load(self, name: str, nz: int | None = None, trusted: bool | str = False) -> None:
        from latentview.services.gan import open_generator

        self.runner.submit("gan-load", open_generator, name, nz, trusted, on_result=lambda g: self._on_loaded(g, name, nz),
                           on_error=self._error, title="Loading generator")  # fmt: skip

    def ask_generator_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a generator", "",
                                              "Generators (*.pt *.pth *.ts *.tar *.ckpt *.safetensors);;All (*)")  # fmt: skip
        if path:
            self.load(path)

    def _on_loaded(self, gen, name: str, nz: int | None = None) -> None:
        from latentview.backends.trust_store import TrustNeeded
        from latentview.qt.common.trust_dialog import confirm_code
        from latentview.services.gan import LatentState, latent_for_seed

        if isinstance(gen, TrustNeeded):  # TorchScript: ask, then load (in a child process)
            if confirm_code(self, gen):
                self.load(name, nz, gen.digest)
            else:
                self._error(f"Did not load {os.path.basename(name)}: a TorchScript file can run code.")
            return
        if isinstance(gen, str):  # the latent size could not be read: ask
            nz, ok = QInputDialog.getInt(self, "Latent size", gen, 100, 1, 100_000)
            if ok:
                self.load(name, nz)
            return
        self.gen = gen
        if self.generator_box.findData(name) < 0:
            self.generator_box.addItem(gen.title, name)
        self.generator_box.setCurrentIndex(self.generator_box.findData(name))
        self.state = LatentState(latent_for_seed(self.seed_box.value(), gen.nz), self.seed_box.value())
        self.directions = None
        self.direction_list.set_rows([])
        self.raw_toggle.setText(f"Raw latent dimensions ({gen.nz})")
        self.raw_list.set_rows([])
        self._toggle_raw(self.raw_toggle.isChecked())
        self.interpolation.reset()
        self.window.log.add(Log(f"Generator: {gen.title}, latent {gen.nz}-d, {gen.image_size}px · {gen.licence}",
                                "info"))  # fmt: skip
        self.request_render()
        self._compute_directions()
        self.generatorReady.emit(name)

    def _compute_directions(self) -> None:
        from latentview.services.gan import compute_directions

        self.directions_status.setText("Finding directions (GANSpace: PCA of early features)…")
        gen = self.gen
        self.runner.submit("gan-directions", compute_directions, gen, title="Finding GAN directions",
                           on_result=lambda d: self._on_directions(d, gen), on_error=self._error)  # fmt: skip

    def _on_directions(self, directions, gen) -> None:
        from latentview.services.gan import load_directions, named_directions_path

        if gen is not self.gen:
            return
        path = named_directions_path(gen.key)
        if path.exists():
            names, vectors, sigma, _ = load_directions(path, gen.nz)
            for n, v, s in zip(names, vectors, sigma):
                directions.add(n, v, float(s))
        self.directions = directions
        share = directions.explained[0] if len(directions) and np.isfinite(directions.explained[0]) else 0.0
        when = f"found in {directions.seconds:.1f} s" if directions.seconds else "cached"
        self.directions_status.setText(
            f"{len(directions)} directions; PC1 carries {share:.0%} of the early features' variance ({when})."
        )
        self._refresh_direction_rows()
        self.directionsReady.emit(len(directions))

    def _refresh_direction_rows(self) -> None:
        d = self.directions
        tips = [f"{n}: {e:.1%} of feature variance" if np.isfinite(e) else f"{n}: fitted from a selection"
                for n, e in zip(d.names, d.explained)]  # fmt: skip
        self.direction_list.set_rows(list(d.names), tips)
        self.direction_list.set_values([self.state.amounts.get(n, 0.0) for n in d.names])

    # --- state → image -------------------------------------------------------------------
    def current_latent(self) -> np.ndarray:
        return self.state.latent(self.directions)

    def set_seed(self, seed: int) -> None:
        from latentview.services.gan import latent_for_seed

        if self.gen is None:
            return
        self.state.base, self.state.seed = latent_for_seed(seed, self.gen.nz), seed
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

    def set_latent_controls(self) -> None:
        """Write the state into the widgets with their signals blocked (no echo)."""
        st = self.state
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
        self.request_render()

    def _toggle_raw(self, on: bool) -> None:
        self.raw_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        if on and self.gen is not None and not self.raw_list.sliders:
            self.raw_list.set_rows([f"z{i}" for i in range(self.gen.nz)])  # built on first open only
        self.raw_list.setVisible(on)
        if on and self.state is not None:
            self.raw_list.set_values(self.state.base)

    def request_render(self) -> None:
        """Coalesce: one render in flight; when it lands, the newest state renders next."""
        if self.gen is None:
            return
        if self._dirty_since is None:
            self._dirty_since = time.perf_counter()
        if not self._rendering:
            self._start_render()
        self.stateChanged.emit()

    def _start_render(self) -> None:
        from latentview.services.gan import render

        self._rendering, self._inflight_since, self._dirty_since = True, self._dirty_since, None
        self.runner.submit("gan-render", render, self.gen, self.current_latent(), on_result=self.show_image,
                           on_error=self._error, title="Rendering")  # fmt: skip

    def _on_task_finished(self, key: str, outcome: str) -> None:
        if key == "gan-render":
            self._rendering = False
            if self._dirty_since is not None:
                self._start_render()

    def show_image(self, img: np.ndarray) -> None:
        self.image = img
        mode = Qt.SmoothTransformation if img.shape[0] >= 32 else Qt.FastTransformation
        self.view.setPixmap(to_pixmap(img).scaled(VIEW_SIZE, VIEW_SIZE, Qt.KeepAspectRatio, mode))
        st = self.state
        where = f"seed {st.seed}" if st.seed is not None else "loaded latent"
        moved = sum(1 for a in st.amounts.values() if a)
        self.caption.setText(f"{where} · ×{st.scale:.2f}" + (f" · {moved} directions moved" if moved else ""))
        if self._inflight_since is not None:
            self.latencies.append(time.perf_counter() - self._inflight_since)
        self.imageShown.emit()

    def _error(self, message: str) -> None:
        self.window.log.add(Log(message, "error"))
        self.window.statusBar().showMessage(message, 15000)

    def add_direction(self, name: str, vector: np.ndarray, sigma: float = 1.0) -> None:
        """A named direction (fitted from a selection or loaded from a file) becomes a slider and is kept
        with this generator for next time."""
        from latentview.services.gan import persist_named

        if self.directions is None:
            raise UserError("Wait until the generator's directions are computed, then add yours.")
        if name in self.directions.names:
            raise UserError(f"A direction named '{name}' exists already; choose another name.")
        self.directions.add(name, vector, sigma)
        persist_named(self.directions, self.gen.key)
        self._refresh_direction_rows()
        self.directionsReady.emit(len(self.directions))

    # --- saving --------------------------------------------------------------------------
    def save_png(self, path: str) -> None:
        from latentview.services.gan import save_png

        save_png(self.image, path)

    def save_latent(self, path: str) -> None:
        np.save(path, self.current_latent())

    def _ask_save_png(self) -> None:
        if self.image is not None:
            path, _ = QFileDialog.getSaveFileName(self, "Save image", "generated.png", "PNG (*.png)")
            if path:
                self._guarded(self.save_png, path)

    def _ask_save_latent(self) -> None:
        if self.state is not None:
            path, _ = QFileDialog.getSaveFileName(self, "Save latent", "latent.npy", "NumPy (*.npy)")
            if path:
                self._guarded(self.save_latent, path)

    def _guarded(self, fn, *args) -> None:
        with guard(lambda message: self._error(f"Could not save {args[0]}: {message}")) as g:
            fn(*args)
        if g.error is None:
            self.window.log.add(Log(f"Saved {args[0]}", "info"))


def install(features: Features) -> None:
    """Add the GAN dock (a tab behind the inspector) and File ▸ Load Generator…; loads when first shown."""
    window = features.window
    panel = features.provide(GanPanel(window))
    dock = features.panel("GAN", panel, "right", 10, view_order=20)
    dock.visibilityChanged.connect(lambda visible: visible and panel.ensure_loaded())
    action = QAction(
        "Load &Generator…", window, triggered=lambda: (dock.raise_(), panel.ask_generator_file())
    )
    features.action("file", "gan", action)
    features.quiet_task("gan-render")
    from latentview.qt.gan.session_state import GanSessionState

    state = GanSessionState(panel)
    features.session_part("gan", lambda: state.save().get("gan"), lambda st: state.restore({"gan": st}))
