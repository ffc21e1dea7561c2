"""The image map driven like a user: drop a real folder, wait for the map, lasso, click, clear."""

import os

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from latentview.backends.projectors import ProjectionParams
from latentview.core.geometry import points_in_polygon
from tests.qt.mouse import drag_lasso


def _to_widget(window, x, y) -> QPoint:
    """Data coordinates → pixel position on the map's viewport."""
    scene = window.map.viewbox.mapViewToScene(QPointF(x, y))
    return window.map.mapFromScene(scene)


@pytest.fixture
def mapped(window, qtbot, photo_folder):
    """The window after a real drop of the photo folder, laid out with PCA (real model)."""
    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        window.drop_folder_at(str(photo_folder))
    return window


def test_drop_folder_draws_one_point_per_image_coloured_by_subfolder(mapped):
    ds = mapped.session.dataset
    assert len(ds) == 88 and len(mapped.map.points) == 88
    assert mapped.session.projection == "pca"
    assert mapped.map.legend.isVisible()
    assert len(mapped.map.legend.items) == len(set(ds.labels)) == 11
    assert "88 images" in mapped.summary.text()


def test_lasso_selects_what_the_core_says_is_inside(mapped, qtbot):
    s = mapped.session
    xy = s.coords
    cx, cy = xy[s.dataset.labels.index("space")]
    (x0, x1), (y0, y1) = mapped.map.viewbox.viewRange()
    rx, ry = (x1 - x0) * 0.12, (y1 - y0) * 0.12
    t = np.linspace(0, 2 * np.pi, 24)
    poly = np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)]
    drag_lasso(mapped.map, poly)
    qtbot.waitUntil(lambda: s.selection is not None, timeout=5000)
    # The drawn path is what the core gets; compare with the exact test on that polygon.
    expected = points_in_polygon(xy, poly)
    got = s.selection
    assert got.sum() > 0
    assert (got != expected).sum() <= 2  # pixel rounding of the drawn vertices only
    assert mapped.inspector.count.text().startswith(f"<b>{got.sum()} selected")
    assert mapped.inspector.grid.count() == got.sum()
    assert len(mapped.map.selection) == got.sum()
    # Shift adds, Ctrl subtracts (the same polygon: back to nothing)
    s.select_polygon(poly, __import__("latentview.core.selection", fromlist=["x"]).SelectionMode.SUBTRACT)
    assert s.selection.sum() == 0
    # Esc clears
    s.select_indices([0, 1, 2])
    QTest.keyClick(mapped, Qt.Key_Escape)
    assert s.selection is None


def test_click_shows_image_and_full_space_neighbours(mapped, qtbot):
    s = mapped.session
    i = s.dataset.labels.index("cat")
    with qtbot.waitSignal(
        mapped.runner.finished, timeout=20_000, check_params_cb=lambda k, o: k == "focus-image"
    ):
        QTest.mouseClick(
            mapped.map.viewport(), Qt.LeftButton, Qt.NoModifier, _to_widget(mapped, *s.coords[i])
        )
    assert s.focus is not None
    assert s.dataset.labels[s.focus] == "cat"
    idx, dist = s.neighbours
    assert len(idx) == s.k and np.all(np.diff(dist) >= -1e-6)
    same = np.mean([s.dataset.labels[j] == "cat" for j in idx[:5]])
    assert same >= 0.8  # neighbours in the full 1280-d space are other crops of the cat
    assert mapped.inspector.neighbours.count() == s.k
    assert "cosine" in mapped.inspector.neighbours_title.text()
    assert not mapped.inspector.image.pixmap().isNull()
    assert "JPEG" in mapped.inspector.caption.text()  # size and format, read in the background
    # the path reads from the opened folder down (the full path is the tooltip)
    folder = os.path.basename(s.dataset.source.rstrip("/"))
    folder = "demo" if folder.startswith("demo-v") else folder  # the built-in demo's cache folder
    rel = os.path.relpath(s.dataset.items[s.focus], s.dataset.source)
    assert f"{folder}/{rel}" in mapped.inspector.caption.text()
    assert s.dataset.source not in mapped.inspector.caption.text()
    assert mapped.inspector.caption.toolTip() == s.dataset.items[s.focus]
    assert len(mapped.map.neighbours.data) == s.k
    QTest.mouseClick(mapped.map.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(3, 3))
    assert s.focus is None


def test_reproject_with_umap_shows_pca_first_then_umap(mapped, qtbot):
    seen = []
    mapped.session.coords_changed.connect(lambda final: seen.append((mapped.session.projection, final)))
    with qtbot.waitSignal(mapped.mapReady, timeout=240_000) as blocker:
        mapped.reproject(ProjectionParams("umap", {"n_neighbors": 10}))
    assert blocker.args == ["umap"]
    assert seen[0] == ("pca", False) and seen[-1] == ("umap", True)
    assert mapped.map.points.xy.shape == (88, 2)


def test_bad_folder_goes_to_the_log_not_a_crash(window, qtbot, tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.jpg").write_text("not an image")
    with qtbot.waitSignal(window.mapFailed, timeout=60_000) as blocker:
        window.open_folder(str(tmp_path / "junk"))
    assert "could be read" in blocker.args[0]
    assert any("could be read" in e.message for e in window.log.entries)


def test_progress_shows_rate_and_cancel_stops_the_task(window, qtbot, tmp_path, fresh_cache):
    from PIL import Image

    for i in range(300):
        Image.new("RGB", (300, 200), (i % 255, 80, 160)).save(tmp_path / f"{i:03d}.jpg")
    texts = []
    window.runner.progressed.connect(lambda key, p: texts.append(p.describe()))
    window.open_folder(str(tmp_path))
    qtbot.waitUntil(lambda: any("img/s" in t and "ETA" in t for t in texts), timeout=120_000)
    assert window.progress.isVisible() and "/300" in window.progress.bar.format()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000) as blocker:
        window.progress.cancel_button.click()
    assert blocker.args == ["ingest", "cancelled"]
    assert window.session.dataset is None
