"""The GAN dock's image: the view and its caption, and the render loop — at most one render in flight,
slider storms coalesce into "render the newest state next", latencies kept for the walk and benchmark."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from latentview.qt.common.imaging import to_pixmap

VIEW_SIZE = 256


class RenderLoop:
    """Mixin of GanPanel: owns `view`, `caption`, `image`, `latencies`; needs `gen`, `state`, `runner`,
    `current_latent()`, `_error()` and the `imageShown` / `stateChanged` signals."""

    def _init_render_loop(self) -> None:
        self.image: np.ndarray | None = None
        self.latencies: list[float] = []  # seconds from a slider move to the image that includes it
        self._rendering = False
        self._dirty_since: float | None = None
        self._inflight_since = 0.0
        self.view = QLabel("Loading generator…")
        self.view.setAlignment(Qt.AlignCenter)
        self.view.setFixedSize(VIEW_SIZE, VIEW_SIZE)
        self.view.setStyleSheet("background: #222; color: #ccc")
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #666")
        self.runner.finished.connect(self._on_task_finished)

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
