"""The GAN dock: steer a generator's latent with sliders, see the image live, save it.

The panel is composed of parts, one module each: generator_loading.py (picker, loading, directions),
steering.py (seed, truncation, direction and raw sliders, the latent state), render_loop.py (the view
and the one-render-in-flight loop), sliders.py (the slider rows) and sections.py (interpolation, the
latent map, directions fitted from selections). This module keeps the dock's layout, saving and
`install`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from latentview.core.errors import guard
from latentview.core.progress import Log
from latentview.qt.gan.generator_loading import GeneratorLoading
from latentview.qt.gan.render_loop import VIEW_SIZE, RenderLoop
from latentview.qt.gan.steering import Steering
from latentview.qt.shell.features import Features


class GanPanel(GeneratorLoading, Steering, RenderLoop, QWidget):
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
        self._init_render_loop()
        self._build()

    def _build(self) -> None:
        from latentview.qt.gan.sections import FitSection, InterpolationSection, MapSection

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addLayout(self._build_generator_row())
        lay.addWidget(self.view, 0, Qt.AlignHCenter)
        lay.addWidget(self.caption, 0, Qt.AlignHCenter)
        lay.addLayout(self._build_seed_form())
        directions = self._build_directions_box()  # before the save row: the tab order is the original's
        lay.addLayout(self._build_save_row())
        lay.addWidget(directions)
        self.interpolation = InterpolationSection(self)
        self.latent_map = MapSection(self)
        self.fit = FitSection(self)
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

    def _build_save_row(self) -> QHBoxLayout:
        save_png = QPushButton("Save PNG…")
        save_png.clicked.connect(self._ask_save_png)
        save_npy = QPushButton("Save latent…")
        save_npy.clicked.connect(self._ask_save_latent)
        row = QHBoxLayout()
        row.addWidget(save_png)
        row.addWidget(save_npy)
        return row

    def _error(self, message: str) -> None:
        self.window.log.add(Log(message, "error"))
        self.window.statusBar().showMessage(message, 15000)

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
