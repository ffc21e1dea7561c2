"""What a words session keeps beyond the map (services.session_file's "extras"): the vectors source, N,
the focused word and its neighbours, the analogy and its arrows, the word-pair axes.

Restoring reopens the vectors in the background (the built-in GloVe, or the file — never as trusted
code) and re-attaches them to the restored dataset; the saved layout, groups and view stay as they are.
"""

from __future__ import annotations

import numpy as np

from latentview.core.progress import Log
from latentview.qt.shell.features import Features
from latentview.qt.words.queries import ARROW
from latentview.services import words as svc


def words_state(panel) -> dict | None:
    """JSON for the session file, or None when the map is not a word map of the open vectors."""
    if not panel._is_ours():
        return None
    s = panel.session
    items = s.dataset.items
    return {
        "source": panel.space.source,
        "top_n": int(s.dataset.meta.get("top_n", panel.n)),
        "focus": None if s.focus is None else items[s.focus],
        "analogy_text": panel.analogy_edit.text(),
        "analogy_method": panel.analogy_method.currentData(),
        "analogy": list(panel._analogy),
        "arrows": [[items[a], items[b], bool(dashed)] for a, b, _c, dashed in panel.arrows._pairs],
        "axes": None if panel._axes is None else [list(p) for p in panel._axes[0]],
        "axis_texts": [e.text() for e in panel.axis_edits],
        "results_title": panel.results_title.text(),
    }


def restore_words(panel, state: dict | None) -> None:
    """Put the panel back as saved; the vectors load on the runner and attach when they arrive."""
    ds = panel.session.dataset
    if not state or ds is None or ds.kind != "words":
        return
    panel.analogy_edit.setText(state.get("analogy_text", ""))
    i = panel.analogy_method.findData(state.get("analogy_method", "add"))
    panel.analogy_method.setCurrentIndex(max(i, 0))
    for edit, text in zip(panel.axis_edits, state.get("axis_texts") or []):
        edit.setText(text)
    n = int(state.get("top_n") or svc.DEFAULT_N)
    panel.n = n
    if n in svc.N_STEPS:
        panel.n_slider.blockSignals(True)
        panel.n_slider.setValue(svc.N_STEPS.index(n))
        panel.n_label.setText(f"{n:,}")
        panel.n_slider.blockSignals(False)
    source = state.get("source") or svc.backend.BUILTIN
    if panel.space is not None and panel.space.source == source:
        attach(panel, ds, panel.space, state)
        return
    path = None if source == svc.backend.BUILTIN else source
    panel.info.setText("Reopening the session's word vectors…")
    panel.runner.submit("words-load", svc.open_space, path, False, title="Loading word vectors",
                        on_result=lambda space: attach(panel, ds, space, state),
                        on_error=panel._on_load_failed)  # fmt: skip


def attach(panel, ds, space, state: dict) -> None:
    """The vectors of a restored word map are open: make the map the panel's again."""
    s = panel.session
    if s.dataset is not ds:
        return  # another map was opened meanwhile
    panel.space = space
    panel.info.setText(f"<b>{space.name}</b> · {len(space):,} words × {space.dim}-d (from the session)")
    ids = np.array([space.find(w) if space.find(w) is not None else -1 for w in ds.items], np.int64)
    ds.meta.update(space=space, vocab_ids=ids, top_n=int(state.get("top_n") or len(ds)),
                   label_order=svc.LABEL_ORDER)  # fmt: skip
    panel._on_dataset()  # rows by word; clears overlays, set again below
    axes = state.get("axes")
    if axes and s.projection == "axes":
        pairs = (tuple(axes[0]), tuple(axes[1]))
        panel._axes = (pairs, np.stack([svc.axis_direction(space, p) for p in pairs]))
    row = panel._row
    panel._analogy = [w for w in state.get("analogy") or [] if w in row]
    panel.arrows.set_arrows([(row[a], row[b], ARROW, dashed)
                             for a, b, dashed in state.get("arrows") or [] if a in row and b in row])  # fmt: skip
    if s.coords is not None:
        panel._on_coords(True)
    from latentview.qt.explore.colour_by import recolour

    recolour(panel.window)  # the bands' legend order
    focus = state.get("focus")
    if focus in row:
        s.set_focus(row[focus])  # the neighbours list comes back with it
    panel.window.log.add(Log(f"Word map restored with {space.name}", "info"))


def install(features: Features, panel) -> None:
    features.session_part("words", lambda: words_state(panel), lambda st: restore_words(panel, st))
