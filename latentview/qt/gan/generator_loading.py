"""The GAN dock's generator: the picker and File… button, loading in the background (asking before a
TorchScript file runs, or for a latent size it cannot read), and the directions found for it."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QInputDialog, QToolButton

from latentview.core.errors import UserError
from latentview.core.progress import Log

GENERATOR_FILES = "Generators (*.pt *.pth *.ts *.tar *.ckpt *.safetensors);;All (*)"


class GeneratorLoading:
    """Mixin of GanPanel: owns `generator_box`, `gen` and `directions`; needs `runner`, `window`,
    `seed_box`, the steering widgets, `interpolation`, `request_render()`, `_error()` and the
    `generatorReady` / `directionsReady` signals."""

    def _build_generator_row(self) -> QHBoxLayout:
        from latentview.services.gan import builtin_generators

        self.generator_box = QComboBox()
        self.generator_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.generator_box.setMinimumContentsLength(16)
        for spec in builtin_generators().values():
            self.generator_box.addItem(spec.title, spec.name)
        self.generator_box.activated.connect(lambda _i: self.load(self.generator_box.currentData()))
        load_file = QToolButton(
            text="File…", toolTip="Load a generator: TorchScript, safetensors or a state dict"
        )
        load_file.clicked.connect(self.ask_generator_file)
        row = QHBoxLayout()
        row.addWidget(self.generator_box, 1)
        row.addWidget(load_file)
        return row

    def ensure_loaded(self) -> None:
        """Load the default generator the first time the dock is shown (torch stays unloaded until then)."""
        if self.gen is None and not self.runner.is_running("gan-load"):
            self.load(self.generator_box.currentData())

    def load(self, name: str, nz: int | None = None, trusted: bool | str = False) -> None:
        from latentview.services.gan import open_generator

        self.runner.submit("gan-load", open_generator, name, nz, trusted, on_result=lambda g: self._on_loaded(g, name, nz),
                           on_error=self._error, title="Loading generator")  # fmt: skip

    def ask_generator_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a generator", "", GENERATOR_FILES)
        if path:
            self.load(path)

    def _on_loaded(self, gen, name: str, nz: int | None = None) -> None:
        from latentview.qt.common.trust_dialog import confirm_code
        from latentview.services.models import TrustNeeded

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
        self._use_generator(gen, name)

    def _use_generator(self, gen, name: str) -> None:
        """A loaded generator takes over: the seed box's seed, no directions yet, a first render."""
        from latentview.services.gan import LatentState, latent_for_seed

        self.gen = gen
        if self.generator_box.findData(name) < 0:
            self.generator_box.addItem(gen.title, name)
        self.generator_box.setCurrentIndex(self.generator_box.findData(name))
        seed = max(self.seed_box.value(), 0)  # "no seed" showing: a new generator starts from seed 0
        self.state = LatentState(latent_for_seed(seed, gen.nz), seed)
        self._show_seed()
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

    # --- directions ----------------------------------------------------------------------------
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
