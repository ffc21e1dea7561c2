"""How far to trust the map: colour by kNN recall, show the trustworthiness, and draw lines from a
clicked point to its true (full-space) neighbours so a torn cluster is visible.

Trust is computed on the runner when first asked for (colour mode "trust" or View ▸ Trust Overlay)
and again after each new final layout while the overlay is on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QAction

from latentview.qt.shell.features import Features

DEFAULT_K = 10
SUMMARY_PREFIX = "Trustworthiness "  # the status bar's trust summary starts so (and nothing else does)


class TrustOverlay:
    def __init__(self, window):
        self.window = window
        self.explore = window.state.explore
        self.k = DEFAULT_K
        self._coords_id: int | None = None  # the coords the current trust result describes
        self.lines = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(214, 39, 40, 170, width=1.6))
        self.lines.setZValue(15)
        window.map.addItem(self.lines, ignoreBounds=True)
        self.action = QAction("&Trust Overlay (kNN recall)", window, checkable=True)
        self.action.setShortcut("Ctrl+T")
        self.action.toggled.connect(self._toggled)
        self.explore.colour_by_changed.connect(self._on_mode)
        self.explore.trust_changed.connect(self._on_trust)
        window.session.coords_changed.connect(self._on_coords)
        window.session.focus_changed.connect(self.draw_lines)
        window.session.dataset_changed.connect(self._clear_lines)
        # Rows added (a word searched off the map): the old rows' recall still holds; keep it.
        window.session.rows_added.connect(lambda _a: setattr(self, "_coords_id", id(window.session.coords)))

    @property
    def active(self) -> bool:
        return self.explore.colour_by == "trust"

    def _toggled(self, on: bool) -> None:
        if on:
            self.explore.set_colour_by("trust")
        elif self.active:
            self.explore.set_colour_by("label")  # back to the user's own labels

    def _on_mode(self) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(self.active)
        self.action.blockSignals(False)
        if self.active:
            self.request()
        self.draw_lines()

    def _on_coords(self, final: bool) -> None:
        s = self.window.session
        if final and self.explore.trust is not None and self._coords_id != id(s.coords):
            self.explore.set_trust(None)  # a new layout: the old recall no longer describes it
        if final and self.active:
            self.request()

    def request(self) -> None:
        """Compute trust for the current final layout unless it is known (or being computed)."""
        from latentview.services.trust import compute_trust

        s = self.window.session
        if s.dataset is None or s.coords is None or (self.explore.trust is not None
                                                     and self._coords_id == id(s.coords)):  # fmt: skip
            return
        if self.window.runner.is_running("project"):
            return  # the final layout's coords_changed will ask again
        ds, coords = s.dataset, s.coords

        def done(result, ds=ds, coords=coords):
            if s.dataset is ds and s.coords is coords:
                self._coords_id = id(coords)
                self.explore.set_trust(result)

        self.window.runner.submit("trust", compute_trust, ds.embeddings, coords, self.k, on_result=done,
                                  title="Trust (kNN recall)")  # fmt: skip

    def _on_trust(self) -> None:
        t = self.explore.trust
        if t is not None:
            approx = "" if t.exact else " (estimated)"
            self.window.statusBar().showMessage(
                f"{SUMMARY_PREFIX}{t.trustworthiness:.3f}{approx} · mean {t.k}-NN recall "
                f"{float(np.nanmean(t.recall)):.2f}", 15000)  # fmt: skip
        elif self.window.statusBar().currentMessage().startswith(SUMMARY_PREFIX):
            # Another map or layout (the trust result was dropped): the summary described the old one.
            # The new one's replaces it when the overlay is on; another message (an error) stays.
            self.window.statusBar().clearMessage()
        self.draw_lines()

    def _clear_lines(self) -> None:
        self.lines.setData([], [])

    def draw_lines(self) -> None:
        """Lines from the focused point to its k true neighbours, while the overlay is on."""
        s, t = self.window.session, self.explore.trust
        if (
            not self.active
            or t is None
            or s.focus is None
            or s.coords is None
            or len(t.high_knn) != len(s.coords)
        ):
            self._clear_lines()
            return
        nbrs = t.high_knn[s.focus]
        nbrs = nbrs[nbrs >= 0]  # an added row has no measured neighbours
        pts = np.empty((2 * len(nbrs), 2))
        pts[0::2] = s.coords[s.focus]
        pts[1::2] = s.coords[nbrs]
        self.lines.setData(pts[:, 0], pts[:, 1])


def install(features: Features) -> None:
    overlay = features.provide(TrustOverlay(features.window))
    features.action("view", "panels", overlay.action, 50)
