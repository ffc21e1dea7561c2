"""A scripted new user's walk through the real window, with real mouse, wheel, keyboard and drag-and-drop
events: one numbered screenshot per step plus its timing and the facts a test checks.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/walk.py [--quick] --out DIR [--readme docs/demo.png]

Steps are small functions in STEPS (add one with @step("name")); each gets the Walk and returns a dict
of facts (what the step must show). A failing step is recorded and the walk goes on, so one break
doesn't hide the rest. DIR gets NN-name.png per step and walk.json (step, seconds, facts, error).
--quick: smaller data and PCA layouts (the test suite runs it); the full walk uses UMAP as a user would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # this checkout's latentview, not another installed one

STEPS: list[tuple[str, object]] = []


def step(name: str):
    def add(fn):
        STEPS.append((name, fn))
        return fn

    return add


@dataclass
class Walk:
    out: Path
    quick: bool
    app: object = None
    win: object = None
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="latentview-walk-")))
    results: list = field(default_factory=list)
    answer: str | None = None  # the button a step's user clicks in a message box ("Discard")
    dialogs: list = field(default_factory=list)  # (question, button clicked or None) this step

    def watch_dialogs(self) -> None:
        """A modal message box is answered as the step's user would (`answer`), or closed and recorded
        as unexpected; either way the walk never hangs in a box nobody clicks."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        btn = next((b for b in box.buttons() if b.text().replace("&", "") == self.answer), None)
        self.dialogs.append((box.text(), btn.text().replace("&", "") if btn else None))
        if btn is not None:
            btn.click()
        else:
            box.reject()

    # --- waiting and events --------------------------------------------------------------
    def pump(self, ms: int = 30) -> None:
        from PySide6.QtTest import QTest

        QTest.qWait(ms)

    def wait(self, cond, timeout: float = 120.0, what: str = "") -> None:
        end = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > end:
                raise TimeoutError(f"waited {timeout:.0f} s for {what or 'a condition'}")
            self.pump(20)

    def until_done(self, key: str, start, timeout: float = 120.0, what: str = "") -> object:
        """Start a runner task with `start(on_done)` and process events until its on_done fires; its
        value comes back. A failed or cancelled task (the runner's finished signal for `key`) raises
        with the Log's last line, so a break shows as the step's error instead of a timeout."""
        box: dict = {}

        def finished(k: str, outcome: str) -> None:
            if k == key and outcome != "ok":
                box.setdefault("outcome", outcome)

        self.win.runner.finished.connect(finished)
        try:
            start(lambda value: box.setdefault("value", value))
            self.wait(lambda: "value" in box or "outcome" in box, timeout, what or key)
        finally:
            self.win.runner.finished.disconnect(finished)
        if "value" not in box:
            last = self.win.log.entries[-1].message if self.win.log.entries else ""
            raise RuntimeError(f"{what or key} {box['outcome']}: {last}")
        return box["value"]

    def idle(self, timeout: float = 120.0) -> None:
        """Until no background task runs (thumbnails and previews included)."""
        self.wait(lambda: not self.win.runner.is_running(), timeout, "background tasks")
        self.pump(80)

    def map_px(self, xy):
        """Viewport pixel of a data point."""
        from PySide6.QtCore import QPointF

        m = self.win.map
        scene = m.viewbox.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))
        return m.mapFromScene(scene)

    def lasso(self, pts, modifier=None) -> None:
        """Press, drag and release the left button along `pts`; the moves carry the held modifier as a
        real drag's do (QTest.mouseMove would send none)."""
        from PySide6.QtCore import QEvent, QPointF, Qt
        from PySide6.QtGui import QMouseEvent
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        mod = modifier if modifier is not None else Qt.NoModifier
        vp = self.win.map.viewport()
        QTest.mousePress(vp, Qt.LeftButton, mod, pts[0])
        for p in pts[1:]:
            ev = QMouseEvent(QEvent.MouseMove, QPointF(p), QPointF(vp.mapToGlobal(p)), Qt.NoButton,
                             Qt.LeftButton, mod)  # fmt: skip
            QApplication.sendEvent(vp, ev)
            self.pump(12)  # pyqtgraph drops moves closer than 10 ms
        QTest.mouseRelease(vp, Qt.LeftButton, mod, pts[-1])
        self.pump(50)

    def clickable(self, indices) -> int:
        """The first of `indices` whose point no name box covers (a click there lands on the point)."""
        m = self.win.map
        for i in indices:
            scene = m.mapToScene(self.map_px(self.win.session.coords[int(i)]))
            if not any(hasattr(it, "cluster") and it.isVisible() for it in m.scene().items(scene)):
                return int(i)
        return int(indices[0])

    def lasso_around(self, indices, modifier=None, pad_px: int = 14) -> None:
        """A freehand loop (an octagon) around the points `indices`, as drawn on the screen."""
        import math

        from PySide6.QtCore import QPoint

        px = [self.map_px(self.win.session.coords[i]) for i in indices]
        xs, ys = [p.x() for p in px], [p.y() for p in px]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        rx, ry = (max(xs) - min(xs)) / 2 + pad_px, (max(ys) - min(ys)) / 2 + pad_px
        loop = [QPoint(round(cx + rx * 1.1 * math.cos(a)), round(cy + ry * 1.1 * math.sin(a)))
                for a in [k * math.pi / 12 for k in range(25)]]  # fmt: skip
        self.lasso(loop, modifier)

    def wheel(self, pos, notches: int = 1) -> None:
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QWheelEvent
        from PySide6.QtWidgets import QApplication

        vp = self.win.map.viewport()
        for _ in range(abs(notches)):
            ev = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0),
                             QPoint(0, 120 if notches > 0 else -120), Qt.NoButton, Qt.NoModifier,
                             Qt.NoScrollPhase, False)  # fmt: skip
            QApplication.sendEvent(vp, ev)
            self.pump(40)

    def click(self, widget, pos=None, modifier=None) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        mod = modifier if modifier is not None else Qt.NoModifier
        QTest.mouseClick(widget, Qt.LeftButton, mod, pos if pos is not None else QPoint())
        self.pump(50)

    def key(self, widget, key, modifier=None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(widget, key, modifier if modifier is not None else Qt.NoModifier)
        self.pump(30)

    def type_text(self, widget, text: str) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        widget.setFocus()
        widget.selectAll() if hasattr(widget, "selectAll") else None
        QTest.keyClicks(widget, text)
        QTest.keyClick(widget, Qt.Key_Return)
        self.pump(50)

    # --- what is on screen ---------------------------------------------------------------
    def names_inside(self) -> dict:
        """Every cluster name box drawn lies inside the view, none overlaps another or the legend."""
        from latentview.qt.explore.cluster_names import ClusterNames

        names = self.win.feature(ClusterNames)
        shown = names.shown_boxes()
        x0, y0, x1, y1 = names.view_rect()
        inside = all(b[0] >= x0 - 0.5 and b[1] >= y0 - 0.5 and b[2] <= x1 + 0.5 and b[3] <= y1 + 0.5
                     for b, _ in shown)  # fmt: skip
        overlap = any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                      for i, (a, _) in enumerate(shown) for b, _ in shown[i + 1:])  # fmt: skip
        # also check the drawn items themselves (their real scene rectangles) against the view box
        vb = self.win.map.viewbox.sceneBoundingRect()
        drawn_inside = all(vb.contains(it.sceneBoundingRect()) for it in names.items if it.isVisible())
        return {"names_shown": len(shown), "names_total": len(names.items), "names_inside": inside and drawn_inside,
                "names_overlap": overlap, "names": [t for _, t in shown]}  # fmt: skip

    def points_under_legend(self) -> int:
        """Points whose dot touches the legend's box (view-box pixels), 0 when no legend shows."""
        m = self.win.map
        if not m.legend.isVisible() or self.win.session.coords is None:
            return 0
        box = m.legend.mapRectToParent(m.legend.boundingRect())
        from PySide6.QtCore import QPointF

        pts = [m.viewbox.mapFromView(QPointF(float(x), float(y))) for x, y in self.win.session.coords]
        return sum(box.adjusted(-3.5, -3.5, 3.5, 3.5).contains(p) for p in pts)

    def raised_left_tab(self) -> str | None:
        from PySide6.QtCore import Qt

        for title, d in self.win.docks.items():
            if self.win.dockWidgetArea(d) == Qt.LeftDockWidgetArea and not d.visibleRegion().isEmpty():
                return title
        return None

    def points_in_view(self) -> bool:
        import numpy as np

        xy = self.win.session.coords
        (x0, x1), (y0, y1) = self.win.map.viewbox.viewRange()
        return bool(np.all((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)))

    def shot(self, name: str) -> str:
        path = self.out / f"{len(self.results) + 1:02d}-{name}.png"
        self.pump(60)
        self.win.grab().save(str(path))
        return path.name


def _method(w: Walk) -> str:
    return "pca" if w.quick else "umap"


# --- the steps ---------------------------------------------------------------------------------
@step("start")
def start(w: Walk) -> dict:
    win = w.win
    return {"hint_visible": win.hint.isVisible(), "title": win.windowTitle(),
            "inspector_hint": win.inspector.image.text()}  # fmt: skip


@step("demo")
def demo(w: Walk) -> dict:
    win = w.win
    win.settings.set_method(_method(w))
    t0 = time.perf_counter()
    if w.quick:  # the small demo (8 photos per kind), dropped on the window
        from latentview.backends.demo import demo_folder

        win.drop_folder_at(str(demo_folder(per_category=8)))
    else:  # File ▸ Open Demo
        action = next(a for a in win.file_menu.actions() if a.text().replace("&", "").startswith("Open Demo"))
        action.trigger()
    hints: list[str] = []  # what the empty map says while it shows (a warm cache may skip it)

    def map_done() -> bool:
        if win.hint.isVisible() and (not hints or hints[-1] != win.hint.text()):
            hints.append(win.hint.text())
        return win.session.projection == _method(w) and not win.runner.is_running("project")

    w.wait(map_done, 600, "the map")
    w.wait(lambda: win.state.explore.clustering is not None, 300, "clusters")
    w.idle()
    facts = {"points": len(win.session.dataset), "seconds_to_named_map": time.perf_counter() - t0,
             "clusters": len(win.state.explore.clustering), "colour_by": win.state.explore.colour_by,
             "legend_visible": win.map.legend.isVisible(), "title": win.windowTitle(),
             "loading_hint": " | ".join(hints), "points_in_view": w.points_in_view(),
             "under_legend": w.points_under_legend()}  # fmt: skip
    return facts | w.names_inside()


@step("click-point")
def click_point(w: Walk) -> dict:
    win = w.win
    c = win.state.explore.clustering
    i = w.clickable(c.members(0))
    map_w = win.map.width()
    w.click(win.map.viewport(), w.map_px(win.session.coords[i]))
    w.wait(lambda: win.session.focus is not None, 30, "focus")
    w.idle()
    w.pump(150)  # the dock may widen: the map re-fits after the resize
    return {"focus": win.session.focus, "clicked": i, "neighbours": win.inspector.neighbours.count(),
            "map_width_before": map_w, "map_width_after": win.map.width(),
            "points_in_view": w.points_in_view(), "under_legend": w.points_under_legend()} | w.names_inside()  # fmt: skip


@step("lasso-shift-ctrl")
def lasso(w: Walk) -> dict:
    from PySide6.QtCore import Qt

    win, s = w.win, w.win.session
    c = win.state.explore.clustering
    a, b = c.members(0), c.members(1)
    w.lasso_around(a)
    first = len(s.selected_indices)
    w.lasso_around(b, Qt.ShiftModifier)
    added = len(s.selected_indices)
    w.lasso_around(b, Qt.ControlModifier)
    after_ctrl = len(s.selected_indices)
    w.lasso_around(b, Qt.ShiftModifier)
    w.idle()
    return {"first": first, "cluster0": len(a), "after_shift": added, "after_ctrl": after_ctrl,
            "selected": len(s.selected_indices), "inspector_grid": win.inspector.grid.count()}  # fmt: skip


@step("zoom-to-thumbnails")
def zoom(w: Walk) -> dict:
    import numpy as np

    from latentview.qt.explore.cluster_names import ClusterNames
    from latentview.qt.map.thumbnails import ThumbnailLayer

    win = w.win
    layer = win.feature(ThumbnailLayer)
    c = win.state.explore.clustering
    centre = win.session.coords[c.members(0)].mean(0)
    notches, piled_at_show = 0, None
    for n in range(1, 25):
        notches = n
        w.wheel(w.map_px(centre), 1)
        w.pump(120)
        vis = layer.visible_indices()
        if layer.shows_images(len(vis), vis):
            from latentview.qt.map.thumbnails import piled_fraction

            piled_at_show = piled_fraction(layer._screen_xy(vis))
            break
    w.wait(lambda: (win.map.viewport().update() or True) and layer.last_drawn > 0, 60, "thumbnails")
    w.idle()
    win.map.viewport().repaint()
    vis = layer.visible_indices()
    pics = layer.screen_boxes()
    over = any(b[0] < p[2] and p[0] < b[2] and b[1] < p[3] and p[1] < b[3]
               for b, _ in win.feature(ClusterNames).shown_boxes() for p in pics)  # fmt: skip
    return {"names_over_images": over, "notches": notches, "visible": len(vis), "drawn": layer.last_drawn,
            "piled_fraction_at_switch": piled_at_show, "in_cluster0": int(np.isin(vis, c.members(0)).sum())}  # fmt: skip


@step("clusters-colour")
def clusters(w: Walk) -> dict:
    from PySide6.QtCore import Qt

    from latentview.qt.explore.clusters_panel import ClustersPanel

    win = w.win
    w.key(win.map, Qt.Key_0, Qt.ControlModifier)  # Ctrl+0: fit
    win.docks["Clusters"].raise_()
    box = win.feature(ClustersPanel).colour_by
    box.setCurrentIndex(box.findData("cluster"))
    w.pump(200)
    legend = [label.text for _, label in win.map.legend.items]
    return {"colour_by": win.state.explore.colour_by, "legend_visible": win.map.legend.isVisible(),
            "legend": legend, "points_in_view": w.points_in_view()} | w.names_inside()  # fmt: skip


@step("groups-overlap")
def groups(w: Walk) -> dict:
    from PySide6.QtCore import Qt

    from latentview.qt.explore.clusters_panel import ClustersPanel
    from latentview.qt.explore.groups_panel import GroupsPanel

    win, s = w.win, w.win.session
    panel = win.feature(GroupsPanel)
    win.docks["Groups"].raise_()
    c = win.state.explore.clustering
    s.clear_selection()
    w.lasso_around(c.members(0))
    w.click(panel.keep)  # Keep selection
    w.lasso_around(c.members(1), Qt.ShiftModifier)  # clusters 0 + 1: overlaps the first group
    w.key(win.map, Qt.Key_G, Qt.ControlModifier)  # Ctrl+G keeps it too
    box = win.feature(ClustersPanel).colour_by
    box.setCurrentIndex(box.findData("group"))
    w.pump(100)
    # the rename editor holds only the name
    item = panel.list.item(0)
    panel.list.editItem(item)
    w.pump(80)
    from PySide6.QtWidgets import QLineEdit

    editor = panel.list.findChild(QLineEdit)
    editor_text = editor.text() if editor is not None else None
    if editor is not None:
        editor.selectAll()
        from PySide6.QtTest import QTest

        QTest.keyClicks(editor, "cats")
        QTest.keyClick(editor, Qt.Key_Return)
        w.pump(80)
    # recolour the first group: it must change the map
    before = win.map.points.colour_of(int(c.members(0)[0])) if hasattr(win.map.points, "colour_of") else None
    panel.list.setCurrentRow(0)
    panel.set_colour(win.state.explore.groups.groups[0].name, "#000000")
    w.pump(80)
    codes, colours = win.map.colour_codes
    i0 = int(c.members(0)[0])
    legend = [label.text for _, label in win.map.legend.items]
    s.clear_selection()
    w.pump(80)
    return {"groups": win.state.explore.groups.names(), "counts": [g.count for g in win.state.explore.groups],
            "editor_text": editor_text, "legend": legend, "before": str(before),
            "colour_of_first_group_point": colours[int(codes[i0])].name()}  # fmt: skip


@step("trust")
def trust(w: Walk) -> dict:
    from PySide6.QtCore import Qt

    from latentview.qt.map.trust_overlay import TrustOverlay

    win = w.win
    w.key(win.map, Qt.Key_T, Qt.ControlModifier)
    w.wait(lambda: win.state.explore.trust is not None, 120, "trust")
    w.click(win.map.viewport(), w.map_px(win.session.coords[w.clickable(range(len(win.session.coords)))]))
    w.idle()
    import html

    legend = [html.unescape(label.text) for _, label in win.map.legend.items]
    return {"colour_by": win.state.explore.colour_by, "legend": legend,
            "trustworthiness": win.state.explore.trust.trustworthiness,
            "lines": 0 if win.feature(TrustOverlay).lines.getData()[0] is None else len(win.feature(TrustOverlay).lines.getData()[0])}  # fmt: skip


@step("exports")
def exports(w: Walk) -> dict:
    import pyarrow.parquet as pq
    from PySide6.QtCore import Qt

    from latentview.qt.explore.actions import export_map_image, export_points

    win, s = w.win, w.win.session
    w.key(win.map, Qt.Key_T, Qt.ControlModifier)  # trust overlay off again
    c = win.state.explore.clustering
    s.select_indices(c.members(2))
    w.pump(50)
    path = w.tmp / "selection.parquet"
    n = w.until_done("export", lambda done: export_points(win, str(path), s.selected_indices, on_done=done),
                     120, "the export")  # fmt: skip
    rows = pq.read_table(path).num_rows if path.exists() else 0
    png = export_map_image(win, str(w.tmp / "map.png"))
    return {"exported": n, "selected": len(s.selected_indices), "rows": rows, "file": path.exists(),
            "png": os.path.exists(png)}  # fmt: skip


@step("session-round-trip")
def session(w: Walk) -> dict:
    """Save, delete a group (a change to undo), open the session again: the saved state comes back."""
    from latentview.qt.explore.actions import open_session, save_session
    from latentview.qt.explore.groups_panel import GroupsPanel

    win = w.win
    panel = win.feature(GroupsPanel)
    groups = win.state.explore.groups.names()
    n = len(win.session.dataset)
    path = w.until_done("session-save", lambda done: save_session(win, str(w.tmp / "walk.latentview.json"),
                                                                  on_done=done), 120, "the save")  # fmt: skip
    win.docks["Groups"].raise_()
    last = panel.list.item(panel.list.count() - 1)
    w.click(panel.list.viewport(), panel.list.visualItemRect(last).center())  # click the last group
    w.click(panel.delete)  # and Delete it
    groups_after_delete = win.state.explore.groups.names()
    before = win.session.dataset
    errors: list[str] = []
    win.mapFailed.connect(errors.append)
    try:
        open_session(win, str(path))
        w.wait(lambda: bool(errors) or (win.session.dataset is not before and win.session.coords is not None
                                        and not win.runner.is_running("session-open")
                                        and not win.runner.is_running("ingest")), 120, "the session")  # fmt: skip
    finally:
        win.mapFailed.disconnect(errors.append)
    if errors:
        raise RuntimeError(f"opening the session failed: {errors[0]}")
    w.idle()
    return {"points": len(win.session.dataset), "points_before": n, "groups": win.state.explore.groups.names(),
            "groups_saved": groups, "groups_after_delete": groups_after_delete, "file": os.path.basename(str(path)),
            "clusters": len(win.state.explore.clustering or []), "points_in_view": w.points_in_view()}  # fmt: skip


@step("narrow-1024x640")
def narrow(w: Walk) -> dict:
    win = w.win
    win.resize(1024, 640)
    w.pump(300)
    tabs = _tab_texts(win)
    from PySide6.QtCore import Qt

    sides = (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)
    docks = {t: [d.width(), d.minimumSizeHint().width()] for t, d in win.docks.items()
             if d.isVisible() and not d.visibleRegion().isEmpty() and win.dockWidgetArea(d) in sides}  # fmt: skip
    return {"window": [win.width(), win.height()], "map_width": win.map.width(), "tabs": tabs, "docks": docks,
            "points_in_view": w.points_in_view(), "under_legend": w.points_under_legend(),
            "status": win.statusBar().currentMessage()} | w.names_inside()  # fmt: skip


@step("wide-1920x1080")
def wide(w: Walk) -> dict:
    win = w.win
    win.resize(1920, 1080)
    w.pump(300)
    (x0, x1), _ = win.map.viewbox.viewRange()
    xy = win.session.coords
    fill = float((xy[:, 0].max() - xy[:, 0].min()) / (x1 - x0))
    return {"window": [win.width(), win.height()], "map_width": win.map.width(), "x_fill": fill,
            "points_in_view": w.points_in_view(), "under_legend": w.points_under_legend()} | w.names_inside()  # fmt: skip


@step("words-search-analogy")
def words(w: Walk) -> dict:
    import numpy as np

    from latentview.qt.explore.groups_panel import GroupsPanel

    win = w.win
    win.resize(1280, 800)  # back from the 1920×1080 step
    w.pump(200)
    panel = _panel(win, "Words")
    if w.quick:
        panel.set_word_count(1000)
    action = next(
        a for a in win.file_menu.actions() if a.text().replace("&", "").startswith("Open Word Vectors (")
    )
    w.answer = "Discard"  # the image map's groups: "Save the session first?" (it is saved)
    action.trigger()
    w.pump(100)
    loading_hint_visible = win.hint.isVisible() and "Drop a folder" in win.hint.text()
    w.wait(lambda: win.session.dataset is not None and win.session.dataset.kind == "words", 300, "words")
    w.wait(lambda: win.session.coords is not None and not win.runner.is_running("project"), 600, "words map")
    w.idle(300)
    s = win.session
    s.select_indices(np.arange(0, 20))
    win.feature(GroupsPanel).keep_selection("first words")
    kept = [str(s.dataset.items[i]) for i in win.state.explore.groups.get("first words").indices]
    win.docks["Words"].raise_()
    w.type_text(panel.search_edit, "toilet")  # typed, then Return
    w.idle(300)
    found = s.focus is not None and s.dataset.items[s.focus] == "toilet"
    # the search may add the word to the map: the group keeps its words (not just its name)
    after = win.state.explore.groups.names()
    still = (
        [str(s.dataset.items[i]) for i in win.state.explore.groups.get("first words").indices]
        if after
        else []
    )
    group_survives = after == ["first words"] and still == kept
    w.type_text(panel.analogy_edit, "king - man + woman")
    w.wait(lambda: bool(panel._analogy), 120, "analogy")
    w.idle(300)
    answer = panel._analogy[-1] if panel._analogy else None
    return {
        "words": len(s.dataset),
        "answer": answer,
        "group_survives_search": group_survives,
        "found": found,
        "loading_hint_hidden": not loading_hint_visible,
        "title": win.windowTitle(),
        "asked_to_save": any("Save the session" in q or "discard" in q for q, _ in w.dialogs),
    }


@step("words-axes")
def words_axes(w: Walk) -> dict:
    win = w.win
    _panel(win, "Words").apply_axes(("man", "woman"), ("bad", "good"))
    w.idle(120)
    return {"projection": win.session.projection}


@step("gan-sliders")
def gan(w: Walk) -> dict:
    import numpy as np
    from PySide6.QtCore import Qt

    from latentview.qt.gan.panel import GanPanel

    win = w.win
    panel = win.feature(GanPanel)
    win.docks["GAN"].raise_()
    panel.ensure_loaded()
    w.wait(lambda: panel.directions is not None and panel.image is not None, 180, "the GAN")
    w.idle()
    slider = panel.direction_list.sliders[0]
    panel.latencies.clear()
    slider.setFocus()
    for _ in range(6):
        w.key(slider, Qt.Key_PageUp)
        w.wait(lambda: not panel._rendering and panel._dirty_since is None, 30, "render")
    lat = np.asarray(panel.latencies) * 1000
    return {"renders": len(lat), "median_ms": float(np.median(lat)) if len(lat) else None,
            "max_ms": float(lat.max()) if len(lat) else None, "slider": slider.value()}  # fmt: skip


@step("gan-interpolation-map")
def gan_map(w: Walk) -> dict:
    from latentview.qt.gan.panel import GanPanel

    win = w.win
    panel = win.feature(GanPanel)
    interp = panel.interpolation
    ready = False
    if interp is not None:
        interp.pin("a")
        panel.set_seed(11)
        w.idle()
        interp.pin("b")
        ready = interp.ready
    section = panel.latent_map
    w.answer = "Discard"  # the words map's group
    if section is not None:
        section.show_map()
        w.wait(
            lambda: win.session.dataset is not None and win.session.dataset.kind == "gan", 300, "latent map"
        )
        w.wait(
            lambda: win.session.coords is not None and not win.runner.is_running("project"), 300, "its layout"
        )
        w.idle()
    ds = win.session.dataset
    axis_title = win.map.plotItem.getAxis("bottom").label.isVisible()
    return {"interpolation_ready": ready, "map_kind": ds.kind if ds is not None else None, "axis_title": axis_title,
            "samples": len(ds) if ds is not None else 0}  # fmt: skip


@step("folder-drop-bad-files")
def folder_drop(w: Walk) -> dict:
    import shutil

    from latentview.backends.demo import demo_folder

    win = w.win
    src = demo_folder(per_category=8 if w.quick else 24)
    root = w.tmp / "my photos"
    for cat in ("cat", "coffee", "space"):  # three kinds of the demo's photos, a folder each
        shutil.copytree(Path(src) / cat, root / cat / "batch 1")
    (root / "cat" / "empty.jpg").write_bytes(b"")
    (root / "cat" / "notes.png").write_text("not an image")
    (root / "cat" / "truncated.jpg").write_bytes(
        (root / "cat" / "batch 1")
        .joinpath(sorted(os.listdir(root / "cat" / "batch 1"))[0])
        .read_bytes()[:300]
    )
    before = len(win.log.entries)
    w.answer = "Discard"  # should the map before hold groups
    win.drop_folder_at(str(root))
    w.wait(
        lambda: win.session.dataset is not None and win.session.dataset.source == str(root), 300, "the folder"
    )
    w.wait(lambda: win.session.coords is not None and not win.runner.is_running("project"), 300, "its map")
    w.wait(lambda: win.state.explore.clustering is not None, 300, "clusters")
    w.idle()
    ds = win.session.dataset
    first_level = sorted(set(ds.labels))
    win.settings.labels.setCurrentIndex(win.settings.labels.findData(0))  # Map settings ▸ Labels
    w.pump(100)
    full_path = sorted(set(ds.labels))
    legend = [label.text for _, label in win.map.legend.items]
    win.settings.labels.setCurrentIndex(win.settings.labels.findData(1))
    new_log = [e.message for e in win.log.entries[before:]]
    return {"points": len(ds), "skipped": len(ds.failures), "labels": first_level, "full_path_labels": full_path,
            "full_path_legend": legend, "log": new_log, "title": win.windowTitle(), "left_tab": w.raised_left_tab(),
            "status": win.statusBar().currentMessage()} | w.names_inside()  # fmt: skip


@step("folder-of-bad-files")
def bad_folder(w: Walk) -> dict:
    win = w.win
    bad = w.tmp / "nothing here"
    bad.mkdir()
    (bad / "a.jpg").write_bytes(b"")
    errors = []
    win.mapFailed.connect(errors.append)
    win.drop_folder_at(str(bad))
    w.wait(lambda: bool(errors), 60, "the error")
    w.pump(100)
    log = win.log.toPlainText()
    return {"error": errors[0], "in_log": errors[0] in log, "status": win.statusBar().currentMessage(),
            "log_visible": win.docks["Log"].isVisible()}  # fmt: skip


def _panel(win, title: str):
    """The panel inside a dock (docks hold a scroll area around it)."""
    from PySide6.QtWidgets import QScrollArea

    w = win.docks[title].widget()
    return w.widget() if isinstance(w, QScrollArea) else w


def _tab_texts(win) -> list[str]:
    from PySide6.QtWidgets import QTabBar

    out = []
    for bar in win.findChildren(QTabBar):
        if bar.isVisible() and bar.parent() is win:
            out.append([bar.tabText(i) for i in range(bar.count())])
    return out


# --- running -----------------------------------------------------------------------------------
def run_walk(out: str | Path, quick: bool = False, only: list[str] | None = None) -> list[dict]:
    from PySide6.QtWidgets import QApplication

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from latentview.qt.shell.main_window import MainWindow

    w = Walk(out, quick, app)
    w.win = MainWindow()
    w.win.resize(1280, 800)
    w.win.show()
    w.pump(200)
    from PySide6.QtCore import QTimer

    watcher = QTimer(interval=50, timeout=w.watch_dialogs)
    watcher.start()
    try:
        for name, fn in STEPS:
            if only and name not in only:
                continue
            t0 = time.perf_counter()
            rec = {"step": name, "facts": {}, "error": None}
            w.answer, w.dialogs = None, []
            try:
                rec["facts"] = fn(w)
            except Exception as exc:  # record and go on: one break must not hide the rest
                rec["error"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            rec["dialogs"] = w.dialogs
            unexpected = [q for q, b in w.dialogs if b is None]
            if unexpected and not rec["error"]:
                rec["error"] = f"unexpected dialog: {unexpected[0]}"
            rec["seconds"] = round(time.perf_counter() - t0, 2)
            rec["screenshot"] = w.shot(name)
            w.results.append(rec)
            print(
                f"{len(w.results):02d} {name:24s} {rec['seconds']:7.1f} s  {rec['error'] or ''}", flush=True
            )
            (out / "walk.json").write_text(json.dumps(w.results, indent=1, default=str))
    finally:
        watcher.stop()
        w.win.close()
        w.win.runner.shutdown(60_000)
    return w.results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for the screenshots and walk.json")
    p.add_argument("--quick", action="store_true", help="small data, PCA layouts")
    p.add_argument("--only", nargs="*", help="run only these steps")
    p.add_argument("--readme", help="also save the click-point screenshot here (e.g. docs/demo.png)")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Own caches (demo images, ONNX export, layouts) so a walk never races another process's writes.
    os.environ.setdefault("LATENTVIEW_CACHE_DIR", str(REPO / ".cache" / "walk"))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".cache" / "numba"))
    results = run_walk(args.out, args.quick, args.only)
    if args.readme:
        shot = next((r["screenshot"] for r in results if r["step"] == "click-point"), None)
        if shot:
            import shutil

            shutil.copy(Path(args.out) / shot, args.readme)
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
