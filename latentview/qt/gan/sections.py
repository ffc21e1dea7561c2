"""Sections of the GAN dock that reach beyond the image: interpolation A→B with export, the latent
map (samples in the main scatter, a moving cursor, the interpolation path), and directions fitted
from lasso selections. Each talks to the GanPanel's public API and to the window's session.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
)

from latentview.core.errors import UserError, guard
from latentview.core.progress import Log

EXPORT_SIZE = 128


def _combo(items: list[tuple[str, str]]) -> QComboBox:
    """A combo that never widens the dock beyond its minimum (long titles are elided)."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    for text, data in items:
        box.addItem(text, data)
    return box


class InterpolationSection(QGroupBox):
    """Pin A and B (the current states), pick linear or spherical, scrub, export."""

    pathChanged = Signal()
    exported = Signal(str)

    def __init__(self, panel):
        super().__init__("Interpolation")
        self.panel = panel
        self.a: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.pin_a, self.pin_b = QPushButton("Pin A"), QPushButton("Pin B")
        self.pin_a.setToolTip("Pin the current image as the start")
        self.pin_b.setToolTip("Pin the current image as the end")
        self.pin_a.clicked.connect(lambda: self.pin("a"))
        self.pin_b.clicked.connect(lambda: self.pin("b"))
        self.info = QLabel("Pin two states, then scrub.")
        self.mode = _combo([("Spherical (slerp)", "slerp"), ("Linear", "lerp")])
        self.mode.currentIndexChanged.connect(
            lambda _i: (self.pathChanged.emit(), self._scrub(self.timeline.value()))
        )
        self.timeline = QSlider(Qt.Horizontal, toolTip="Scrub from A (left) to B (right)")
        self.timeline.setRange(0, 100)
        self.timeline.valueChanged.connect(self._scrub)
        self.frames = QSpinBox(minimum=2, maximum=500, value=16, suffix=" frames")
        strip, gif = QPushButton("Strip…"), QPushButton("GIF…")
        strip.clicked.connect(lambda: self._ask_export("png"))
        gif.clicked.connect(lambda: self._ask_export("gif"))
        lay = QGridLayout(self)
        lay.addWidget(self.pin_a, 0, 0)
        lay.addWidget(self.pin_b, 0, 1, 1, 2)
        lay.addWidget(self.info, 1, 0)
        lay.addWidget(self.mode, 1, 1, 1, 2)
        lay.addWidget(self.timeline, 2, 0, 1, 3)
        lay.addWidget(self.frames, 3, 0)
        lay.addWidget(strip, 3, 1)
        lay.addWidget(gif, 3, 2)
        self._update_info()

    def reset(self) -> None:
        self.a = self.b = None
        self._update_info()
        self.pathChanged.emit()

    def pin(self, which: str) -> None:
        if self.panel.state is None:
            return
        setattr(self, which, self.panel.current_latent().copy())
        self._update_info()
        self.pathChanged.emit()

    def _update_info(self) -> None:
        def tag(z):
            return "—" if z is None else f"|z| {np.linalg.norm(z):.1f}"

        self.info.setText(f"A {tag(self.a)} · B {tag(self.b)}")

    @property
    def ready(self) -> bool:
        return self.a is not None and self.b is not None

    def path(self, frames: int | None = None) -> np.ndarray:
        from latentview.services.gan import interpolate

        return interpolate(self.a, self.b, frames or self.frames.value(), self.mode.currentData())

    def _scrub(self, value: int) -> None:
        from latentview.services.gan import lerp, slerp

        if self.ready:
            fn = slerp if self.mode.currentData() == "slerp" else lerp
            self.panel.set_base(fn(self.a, self.b, value / 100))

    def export(self, path: str, kind: str) -> None:
        from latentview.services.gan import export_frames

        if not self.ready:
            raise UserError("Pin A and B before exporting an interpolation.")
        self.panel.runner.submit("gan-export", export_frames, self.panel.gen, self.path(), path, kind, EXPORT_SIZE,
                                 on_result=self._on_exported, on_error=self.panel._error,
                                 title="Exporting interpolation")  # fmt: skip

    def _on_exported(self, path: str) -> None:
        self.panel.window.log.add(Log(f"Saved {self.frames.value()} frames to {path}", "info"))
        self.exported.emit(path)

    def _ask_export(self, kind: str) -> None:
        if not self.ready:
            self.panel._error("Pin A and B before exporting an interpolation.")
            return
        filt = "GIF (*.gif)" if kind == "gif" else "PNG (*.png)"
        path, _ = QFileDialog.getSaveFileName(self, "Export interpolation", f"interpolation.{kind}", filt)
        if path:
            self.export(path, kind)


class MapSection(QGroupBox):
    """N sampled latents on the main map; the current latent is a cursor, A→B a path; clicks load."""

    def __init__(self, panel):
        super().__init__("Latent map")
        self.panel = panel
        self.session = panel.window.session
        self.params = None  # projection; None: the map settings' choice
        self._locator = self._locator_for = None
        self.count = QSpinBox(minimum=50, maximum=50_000, value=1000, singleStep=500, suffix=" samples")
        self.space = _combo([("Latent vectors", "latent"), ("CNN embeddings of the images", "cnn")])
        show = QPushButton("Show on map")
        show.clicked.connect(self.show_map)
        lay = QGridLayout(self)
        lay.addWidget(self.count, 0, 0)
        lay.addWidget(show, 0, 1)
        lay.addWidget(self.space, 1, 0, 1, 2)
        pen = pg.mkPen("#d62728", width=3)
        self.cursor = pg.ScatterPlotItem(size=26, symbol="+", pen=pen, brush=pg.mkBrush("#d62728"))
        self.line = pg.PlotDataItem(pen=pg.mkPen("#d62728", width=2, style=Qt.DashLine))
        for z, item in ((40, self.cursor), (35, self.line)):
            item.setZValue(z)
            panel.window.map.addItem(item, ignoreBounds=True)
        self.session.coords_changed.connect(lambda _final: self.update_overlay())
        self.session.dataset_changed.connect(self.update_overlay)
        self.session.focus_changed.connect(self._on_focus)
        panel.stateChanged.connect(self.update_cursor)
        panel.interpolation.pathChanged.connect(self.update_path)

    def show_map(self) -> None:
        from latentview.services.gan import sample_map

        if self.panel.gen is None or not self.panel.window.confirm_replace_map():
            return
        encoder = self.panel.window.settings.model_name  # the image encoder chosen in Map settings
        self.panel.runner.submit("gan-map", sample_map, self.panel.gen, self.count.value(), self.space.currentData(),
                                 encoder, on_result=self._on_sampled, on_error=self.panel._error,
                                 title="Sampling the latent map")  # fmt: skip

    def _on_sampled(self, dataset) -> None:
        self.panel.window.show_dataset(dataset, self.params)

    def locator(self):
        """A MapLocator for the current map, refitted when the coordinates change."""
        from latentview.services.gan import MapLocator

        lat = self.latents()
        if lat is None:
            return None
        if self._locator is None or self._locator_for is not self.session.coords:
            self._locator, self._locator_for = MapLocator(lat, self.session.coords), self.session.coords
        return self._locator

    def latents(self) -> np.ndarray | None:
        """The map's latents when the map shows samples of the current generator, else None."""
        ds, gen = self.session.dataset, self.panel.gen
        if ds is None or gen is None or ds.kind != "gan" or ds.meta.get("generator") != gen.key:
            return None
        if self.session.coords is None:
            return None
        return ds.meta["latents"]

    def update_overlay(self) -> None:
        self.update_cursor()
        self.update_path()

    def update_cursor(self) -> None:
        loc = self.locator()
        if loc is None or self.panel.state is None:
            self.cursor.setData(pos=np.zeros((0, 2)))
            return
        self.cursor.setData(pos=loc.locate(self.panel.current_latent()))

    def update_path(self) -> None:
        loc = self.locator()
        if loc is None or not self.panel.interpolation.ready:
            self.line.setData([], [])
            return
        xy = loc.locate(self.panel.interpolation.path(40))
        self.line.setData(xy[:, 0], xy[:, 1])

    def _on_focus(self) -> None:
        lat = self.latents()
        if lat is not None and self.session.focus is not None:
            self.panel.set_base(lat[self.session.focus])


class FitSection(QGroupBox):
    """Lasso group A (and optionally B; else the rest) on the latent map, fit a direction, name it."""

    def __init__(self, panel):
        super().__init__("Direction from selection")
        self.panel = panel
        self.group_a: np.ndarray = np.zeros(0, int)
        self.group_b: np.ndarray = np.zeros(0, int)
        take_a, take_b = QPushButton("Group A ← selection"), QPushButton("Group B ← selection")
        take_a.clicked.connect(lambda: self.take("a"))
        take_b.clicked.connect(lambda: self.take("b"))
        self.info = QLabel()
        self.method = _combo(
            [("Difference of means", "mean"), ("Linear classifier normal (InterFaceGAN)", "linear")]
        )
        self.name = QLineEdit(placeholderText="name, e.g. turn left")
        add = QPushButton("Add direction")
        add.clicked.connect(lambda: self._guard(self.add))
        save, load = QPushButton("Save directions…"), QPushButton("Load directions…")
        save.clicked.connect(self._ask_save)
        load.clicked.connect(self._ask_load)
        form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(take_a)
        row.addWidget(take_b)
        form.addRow(row)
        form.addRow(self.info)
        form.addRow("Method", self.method)
        form.addRow("Name", self.name)
        form.addRow(add)
        files = QHBoxLayout()
        files.addWidget(save)
        files.addWidget(load)
        form.addRow(files)
        self._update_info()

    def take(self, which: str) -> None:
        setattr(self, f"group_{which}", self.panel.window.session.selected_indices.copy())
        self._update_info()

    def _update_info(self) -> None:
        b = f"{len(self.group_b)} samples" if len(self.group_b) else "the rest of the map"
        self.info.setText(f"A: {len(self.group_a)} samples · B: {b}")

    def add(self) -> str:
        from latentview.services.gan import fit_direction

        lat = self.panel.latent_map.latents()
        if lat is None:
            raise UserError("Show the latent map of this generator and lasso a group of samples first.")
        vec = fit_direction(lat, self.group_a, self.group_b, self.method.currentData())
        name = self.name.text().strip() or f"fit {len(self.panel.directions or []) + 1}"
        self.panel.add_direction(name, vec, float((lat @ vec).std()))
        return name

    def _guard(self, fn) -> None:
        with guard(self.panel._error, catch=(UserError,)):
            fn()

    def _ask_save(self) -> None:
        from latentview.services.gan import save_directions

        if self.panel.directions is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save directions", "directions.npz", "NumPy (*.npz)")
        if path:
            save_directions(path, self.panel.directions, self.panel.gen.key)

    def _ask_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load directions", "", "NumPy (*.npz)")
        if path:
            self._guard(lambda: self.load(path))

    def load(self, path: str) -> int:
        """Add a file's directions as sliders (names already present are skipped); returns how many."""
        from latentview.services.gan import load_directions

        names, vectors, sigma, _gen = load_directions(path, self.panel.gen.nz)
        added = 0
        for n, v, s in zip(names, vectors, sigma):
            if n not in self.panel.directions.names:
                self.panel.add_direction(n, v, float(s))
                added += 1
        return added
