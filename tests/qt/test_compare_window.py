"""View ▸ Compare with real widgets, a real model and real mouse events on the views' viewports:
linked selection (lasso), hover, the clicked point and its own neighbours per space, linked zoom,
agreement colours and histogram selection, Align to A, a table and a projection as other views."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from latentview.core.compare import cosine_knn
from latentview.qt.compare.setup import CompareLauncher
from tests.qt.mouse import drag_lasso


def _px(panel, i) -> QPoint:
    """Point i of a panel → pixel position on that panel's viewport."""
    x, y = panel.xy[i]
    return panel.map.mapFromScene(panel.map.viewbox.mapViewToScene(QPointF(x, y)))


@pytest.fixture
def compared(window, qtbot, photo_folder):
    """The photo folder mapped with the real EfficientNet-Lite0 (PCA), beside its raw pixels."""
    from latentview.qt.compare.setup import open_compare

    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        window.open_folder(str(photo_folder))
    cw = open_compare(window)
    qtbot.addWidget(cw)
    qtbot.waitExposed(cw)
    # offscreen, every window sits at (0, 0) and the cursor's moves go to the main window: move it aside
    window.move(3000, 0)
    cw.request("encoder", "efficientnet-lite0#raw-pixels", "pca")
    qtbot.waitUntil(lambda: len(cw.spaces) == 2 and cw.spaces[1].comparison is not None, timeout=240_000)
    return window, cw


def test_two_views_with_measures_and_agreement(compared):
    window, cw = compared
    a, b = cw.panels
    assert len(a.map.points) == len(b.map.points) == 88
    res = cw.spaces[1].comparison
    assert 0 < res.mean_overlap < 0.8 and res.cka < 0.9 and res.accuracy_a > res.accuracy_b
    assert f"{res.mean_overlap:.3f}" in b.measures.text() and f"{res.accuracy_b:.3f}" in b.measures.text()
    assert "1.000" in a.measures.text()
    assert len(cw.bars.opts["height"]) == 11 and sum(cw.bars.opts["height"]) == 88
    # the same colours in both views (the main map's), then agreement colours
    assert np.array_equal(a.map.points._codes, b.map.points._codes)
    cw.colour_combo.setCurrentIndex(1)
    assert b.map.points._codes.max() <= 5 and not np.array_equal(
        b.map.points._codes, window.map.points._codes
    )


def test_lasso_in_one_view_selects_in_every_view_and_the_main_map(compared, qtbot):
    window, cw = compared
    a, b = cw.panels
    centre = b.xy[np.argmin(np.linalg.norm(b.xy - np.median(b.xy, 0), axis=1))]
    (x0, x1), (y0, y1) = b.map.viewbox.viewRange()
    t = np.linspace(0, 2 * np.pi, 24)
    poly = np.c_[centre[0] + 0.2 * (x1 - x0) * np.cos(t), centre[1] + 0.2 * (y1 - y0) * np.sin(t)]
    drag_lasso(b.map, poly)
    qtbot.waitUntil(lambda: cw.links.selection is not None, timeout=5000)
    sel = cw.links.selection
    assert 0 < sel.sum() < 88
    for panel in (a, b):
        assert np.array_equal(panel.map._selection_mask, sel) and len(panel.map.selection) == sel.sum()
    assert np.array_equal(window.session.selection, sel)  # rows are the map's (all items shared)


def test_hover_and_click_are_linked_and_neighbours_come_from_each_space(compared, qtbot):
    _window, cw = compared
    a, b = cw.panels
    i = int(np.argmax(a.xy[:, 0]))  # an outermost point: nothing else under the cursor
    QTest.mouseMove(a.map.viewport(), _px(a, i))
    qtbot.waitUntil(lambda: cw.links.hovered == i, timeout=5000)
    assert np.allclose(b.hover.getData()[0], [b.xy[i, 0]]) and np.allclose(b.hover.getData()[1], [b.xy[i, 1]])
    j = int(np.argmin(b.xy[:, 1]))
    QTest.mouseClick(b.map.viewport(), Qt.LeftButton, Qt.NoModifier, _px(b, j))
    qtbot.waitUntil(lambda: cw.links.focus == j, timeout=5000)
    fx, fy = a.map.focus.getData()
    assert np.allclose([fx[0], fy[0]], a.xy[j])
    want_a = cosine_knn(a.space, 10, rows=np.array([j]))[0]
    want_b = cosine_knn(b.space, 10, rows=np.array([j]))[0]
    got_a = np.c_[a.map.neighbours.getData()]
    assert np.allclose(np.sort(got_a, 0), np.sort(a.xy[want_a], 0))
    assert set(want_a) != set(want_b)  # raw pixels see other neighbours than the network
    QTest.keyClick(b.map, Qt.Key_Escape)
    assert cw.links.focus is None and cw.links.selection is None


def test_zoom_is_linked_or_free(compared, qtbot):
    _window, cw = compared
    a, b = cw.panels
    vp = a.map.viewport()

    def pan():
        c = vp.rect().center()
        drag_lasso(a.map, [c + QPoint(dx, 0) for dx in range(0, 110, 10)], button=Qt.RightButton)

    before = b.map.viewbox.viewRange()[0]
    pan()
    after = b.map.viewbox.viewRange()[0]
    assert after[0] < before[0] - 1e-9  # a moved right → b moved the same share of its extent
    cw.link_zoom.setChecked(False)
    pan()
    assert b.map.viewbox.viewRange()[0] == after


def test_select_lowest_share_and_below_the_line(compared):
    _window, cw = compared
    overlap = cw.spaces[1].comparison.overlap
    cw.select_lowest(0.10)
    sel = cw.links.selection
    assert sel.sum() >= 9 and overlap[sel].max() <= overlap[~sel].min()
    cw.threshold.setValue(0.35)
    cw.select_below_threshold()
    assert np.array_equal(cw.links.selection, overlap <= 0.35)


def test_align_to_a_brings_b_onto_a(compared):
    _window, cw = compared
    a, b = cw.panels
    aligned = np.linalg.norm(b.xy - a.xy)
    cw.align.setChecked(False)
    assert np.allclose(b.xy, cw.spaces[1].coords[cw.rows]) and np.linalg.norm(b.xy - a.xy) > aligned


def test_a_table_with_the_same_ids_and_another_projection(compared, qtbot, tmp_path):
    from latentview.services.export import write_table

    window, cw = compared
    path = str(tmp_path / "same.parquet")
    write_table(window.session.dataset, window.session.coords, path)
    cw.request("table", path, "pca")
    qtbot.waitUntil(lambda: len(cw.spaces) == 3 and cw.spaces[2].comparison is not None, timeout=120_000)
    assert cw.spaces[2].comparison.mean_overlap == pytest.approx(1.0)
    assert cw.spaces[2].comparison.cka == pytest.approx(1.0, abs=1e-3)
    cw.request("projection", "pca", "pca")
    qtbot.waitUntil(lambda: len(cw.spaces) == 4 and cw.spaces[3].comparison is not None, timeout=120_000)
    layout = cw.spaces[3].comparison  # how well a 2-D layout keeps the full space's neighbours
    assert 0 < layout.mean_overlap < 1 and len(cw.panels) == 4 and not cw.add_button.isEnabled()


def test_view_menu_opens_compare_and_the_layers_sweep_draws_lines(compared, qtbot):
    from latentview.qt.compare.sweep import open_sweep

    window, _cw = compared
    texts = [a.text().replace("&", "") for a in window.view_menu.actions()]
    assert "Compare…" in texts and "Layers Sweep…" in texts
    dlg = open_sweep(window, window)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.finished_sweep, timeout=600_000) as sig:
        pass
    sweep = sig.args[0]
    curves = dlg.plot.getPlotItem().listDataItems()
    assert len(curves) == 3
    acc = curves[0].getData()[1]
    assert len(acc) == 9 and acc[-1] > acc[0] + 0.3  # raw pixels → last layer: the classes separate
    assert sweep.rows[0].layer == "raw-pixels" and "stage4" in dlg.table.text()


def test_the_map_selection_comes_along_and_the_dialog_names_the_space(compared):
    from latentview.qt.compare.setup import SpaceDialog, open_compare

    window, cw = compared
    window.session.select_indices([0, 5, 9])
    cw.close()
    window.feature(CompareLauncher).current = None
    again = open_compare(window)
    assert again is not cw and np.flatnonzero(again.links.selection).tolist() == [0, 5, 9]
    assert len(again.panels[0].map.selection) == 3
    assert open_compare(window) is again  # the same map: the same window
    dlg = SpaceDialog(window.session.dataset, "pca", again)
    assert dlg.encoder.isEnabled() and dlg.encoder.isChecked()
    dlg.layer.setCurrentIndex(dlg.layer.findData("stage4"))
    assert dlg.choice() == ("encoder", "efficientnet-lite0#stage4", "pca")
    dlg.projection.setChecked(True)
    dlg.proj.setCurrentText("umap")
    assert dlg.choice() == ("projection", "umap", "pca")
    again.close()
