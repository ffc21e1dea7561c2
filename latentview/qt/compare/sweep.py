"""Layers sweep: the map's folder embedded at every layer of its model, measured against the last layer
and drawn as a line chart (k-NN label accuracy, overlap with the last layer, CKA with it)."""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from latentview.qt.shell.status import ProgressWidget

SERIES = (("accuracy", "k-NN label accuracy", "#2166ac"), ("overlap_last", "neighbour overlap with the last layer",
          "#ef8a62"), ("cka_last", "linear CKA with the last layer", "#4dac26"))  # fmt: skip


class SweepDialog(QDialog):
    finished_sweep = Signal(object)  # the Sweep

    def __init__(self, runner, folder: str, model: str, k: int = 10, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Layers sweep — latentview")
        self.resize(760, 520)
        self.runner, self.folder, self.model, self.k = runner, folder, model, k
        self.sweep = None
        self.heading = QLabel(f"<b>{model}</b> on {os.path.basename(folder.rstrip(os.sep)) or folder}: "
                              "how each layer separates the labels and how close it is to the last layer")  # fmt: skip
        self.heading.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setYRange(0, 1.02, padding=0)
        self.plot.showGrid(y=True, alpha=0.25)
        self.plot.addLegend(
            offset=(-10, -10), labelTextColor=(40, 40, 40), brush=pg.mkBrush(255, 255, 255, 220)
        )
        self.plot.setLabel("left", "score (0–1)")
        self.plot.setMouseEnabled(False, False)
        self.table = QLabel()
        self.table.setTextFormat(Qt.RichText)
        self.table.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.progress = ProgressWidget(runner)
        run = self.run_button = QPushButton("Run again")
        run.clicked.connect(self.start)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(run)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.table)
        lay.addLayout(bottom)

    def start(self) -> None:
        from latentview.services.compare import layer_sweep

        self.run_button.setEnabled(False)
        self.runner.submit("compare-sweep", layer_sweep, self.folder, self.model, self.k, on_result=self.show_sweep,
                           on_error=self._failed, title=f"Layers sweep ({self.model})")  # fmt: skip

    def _failed(self, message: str) -> None:
        self.run_button.setEnabled(True)
        self.table.setText(f"<span style='color:#b2182b'>{message}</span>")

    def show_sweep(self, sweep) -> None:
        self.sweep = sweep
        self.run_button.setEnabled(True)
        self.plot.clear()
        x = np.arange(len(sweep.rows))
        for attr, name, colour in SERIES:
            y = np.array(
                [np.nan if getattr(r, attr) is None else getattr(r, attr) for r in sweep.rows], float
            )
            if np.isfinite(y).any():
                self.plot.plot(x, y, pen=pg.mkPen(colour, width=2.5), symbol="o", symbolSize=8,
                               symbolBrush=colour, symbolPen=None, name=name)  # fmt: skip
        ticks = [(i, r.layer.replace("raw-pixels", "raw px")) for i, r in enumerate(sweep.rows)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(-0.3, len(sweep.rows) - 0.7, padding=0)
        head = "<tr><th align='left'>layer</th><th>dims</th><th>k-NN acc.</th><th>overlap→last</th><th>CKA→last</th></tr>"
        body = "".join(
            f"<tr><td>{r.layer}</td><td align='right'>{r.dims:,}</td>"
            f"<td align='right'>{'—' if r.accuracy is None else f'{r.accuracy:.3f}'}</td>"
            f"<td align='right'>{r.overlap_last:.3f}</td><td align='right'>{r.cka_last:.3f}</td></tr>"
            for r in sweep.rows
        )
        self.table.setText(f"<table cellspacing='6'>{head}{body}</table><small>{sweep.n:,} images, "
                           f"{sweep.k}-NN (cosine, leave-one-out), {sweep.seconds:.1f} s</small>")  # fmt: skip
        self.finished_sweep.emit(sweep)

    def closeEvent(self, ev) -> None:
        self.runner.cancel("compare-sweep")
        super().closeEvent(ev)


def open_sweep(window, parent) -> SweepDialog | None:
    """Sweep the shown folder's model; images from a folder only (a table has no layers to walk)."""
    from latentview.services.models import DEFAULT_MODEL
    from latentview.services.own_models import split_ref

    ds = window.session.dataset
    if ds is None or ds.kind != "images" or not os.path.isdir(ds.source) or "table" in ds.meta:
        window.statusBar().showMessage("The layers sweep needs a map of a folder of images.", 8000)
        return None
    model = split_ref(ds.model or DEFAULT_MODEL)[0]
    from latentview.qt.compare.setup import CompareLauncher

    dlg = window.feature(CompareLauncher).sweep = SweepDialog(window.runner, ds.source, model, parent=parent)
    dlg.show()
    dlg.start()
    return dlg
