"""Session → view: the map, its hint, the title and the status summary follow the session's events."""

from __future__ import annotations

import html
import os

import numpy as np

from latentview import __version__
from latentview.core.selection import SelectionMode
from latentview.qt.common.palette import categorical
from latentview.qt.map.scatter import mode_for
from latentview.qt.shell.dock_layout import raise_tabs_for
from latentview.services.models import display_name
from latentview.services.projection import pick_index_task

EMPTY_HINT = (
    "<div style='font-size:15pt; color:#555'>Drop a folder of images here</div>"
    "<div style='color:#777'>or File ▸ Open Folder… (Ctrl+O), or File ▸ Open Demo</div>"
)
LOADING_HINT = "<div style='font-size:15pt; color:#555'>{}…</div><div style='color:#777'>{}</div>"
ERROR_HINT = "<div style='color:#b00020; margin-top:12px'>{}</div>"
QUIET_TASKS = {"map-thumbs", "hover-thumb", "neighbour-thumbs", "selection-thumbs", "focus-image"}
PICK_INDEX_IN_BACKGROUND = 200_000  # points above which the map's picking grid is built on the runner


class MapSync:
    """Mixed into MainWindow: the slots that redraw what the session changed."""

    def _on_dataset(self) -> None:
        ds = self.session.dataset
        self.map.set_points(np.zeros((0, 2)), np.zeros(0, int), [], [])
        self._stack.setCurrentWidget(self.map if ds is not None else self.hint)
        if ds is not None:
            self._last_error = ""
        self._update_hint()
        self._update_title()
        raise_tabs_for(self, ds.kind if ds is not None else "")  # the tabs that work on this kind of map
        self._update_summary()

    def _on_rows_added(self, _added) -> None:
        self._rows_added = True  # the coords that follow extend the layout: keep the view

    def _on_coords(self, final: bool) -> None:
        s = self.session
        codes, colors, names = self.point_colours()
        grown, self._rows_added = self._rows_added, False
        first = (len(self.map.points) != len(s.coords) and not grown) or not final
        self.map.set_points(s.coords, codes, colors, names, autorange=False)
        if final and len(s.coords) > PICK_INDEX_IN_BACKGROUND:
            xy = self.map.pick_index_later()
            self.map.points.after_next_paint(  # not while the first raster of the layout is drawn
                lambda xy=xy: self.runner.submit("pick-index", pick_index_task, xy, title="Indexing the map",
                                                 on_result=lambda index: self.map.set_pick_index(index, xy))
            )  # fmt: skip
        self.map.set_selection(s.selection)
        self.map.set_neighbours(s.neighbours[0])
        self.map.set_focus(s.focus)
        # After the overlays moved, so their old positions don't stretch the range. Rows added to the
        # layout (a searched word) keep the view; a new layout is shown whole.
        if first or (final and not grown):
            self.map.fit()
        self._update_summary()
        if final:
            self.mapReady.emit(s.projection)

    def point_colours(self) -> tuple:
        """(codes, colours, legend names) for the map: by label unless a feature says otherwise."""
        source = self.state.colour_source
        out = source() if source is not None else None
        if out is None:
            codes, names = self.session.dataset.label_codes()
            out = codes, categorical(len(names)), names
        return out

    def _on_focus(self) -> None:
        s = self.session
        self.map.set_neighbours(s.neighbours[0])
        self.map.set_focus(s.focus)

    def _update_summary(self) -> None:
        ds = self.session.dataset
        if ds is None:
            self.summary.setText("")
            return
        what = {"images": "images", "words": "words"}.get(ds.kind, "points")
        text = f"{len(ds):,} {what}"
        if ds.failures:
            text += f" · {len(ds.failures)} skipped (see Log)"
        if ds.model:
            text += f" · {display_name(ds.model)}"
        if self.session.projection:
            text += f" · {self.session.projection.upper()}"
        self.summary.setText(text)

    def _update_hint(self) -> None:
        """The empty map says what is loading (never 'drop a folder' while something opens), else how to
        start, with the last error under it."""
        if self.session.dataset is not None:
            return
        busy = [k for k in self.runner.running() if k not in QUIET_TASKS]
        if busy:
            title = self.progress.label.text() or "Loading"
            self.hint.setText(LOADING_HINT.format(html.escape(title.rstrip("…")),
                                                  "The map appears here when it is ready."))  # fmt: skip
        else:
            err = ERROR_HINT.format(html.escape(self._last_error)) if self._last_error else ""
            self.hint.setText(EMPTY_HINT + err)

    def _update_title(self) -> None:
        ds = self.session.dataset
        name = ""
        if ds is not None:
            src = ds.source.rstrip("/\\").removeprefix("builtin:")
            name = os.path.basename(src) or ds.kind
            if ds.kind == "images" and name.startswith("demo-v"):
                name = "Demo images"
            name = f"{name} ({len(ds):,} {ds.kind if ds.kind != 'gan' else 'samples'}) — "
        self.setWindowTitle(f"{name}latentview {__version__}")

    # --- interaction ---------------------------------------------------------------------
    def _on_click(self, index: int, modifiers) -> None:
        if index < 0:
            self.session.set_focus(None)
            return
        mode = mode_for(modifiers)
        if mode is not SelectionMode.REPLACE:
            self.session.select_indices([index], mode)
        self.focus_point(index)

    def _clear(self) -> None:
        self.session.clear_selection()
        self.session.set_focus(None)
