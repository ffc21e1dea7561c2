"""Maps made from maps, through the window: drill into a lassoed selection and back (real mouse),
and new images of the folder on the map placed into the current layout."""

import shutil

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from latentview.backends.projectors import ProjectionParams
from latentview.qt.mapstack.drill import Drill
from latentview.qt.mapstack.extend import Relayout
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive
from tests.qt.mouse import drag_lasso


def _map_of(window, qtbot, folder, model):
    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.open_folder(str(folder), model=model)
    qtbot.waitUntil(lambda: window.state.explore.clustering is not None, timeout=120_000)


def test_reproject_a_lassoed_selection_and_come_back_with_its_groups(
    window, qtbot, photo_folder, tiny_embedder
):
    _map_of(window, qtbot, photo_folder, tiny_embedder)
    s, ex = window.session, window.state.explore
    parent_ds, parent_xy = s.dataset, s.coords.copy()
    ex.groups.add("first ten", np.arange(10))
    (x0, x1), (y0, y1) = window.map.viewbox.viewRange()
    cx, cy = np.median(s.coords, axis=0)
    t = np.linspace(0, 2 * np.pi, 30)
    drag_lasso(window.map, np.c_[cx + (x1 - x0) * 0.3 * np.cos(t), cy + (y1 - y0) * 0.3 * np.sin(t)])
    qtbot.waitUntil(lambda: s.selection is not None and s.selection.sum() >= 5, timeout=5000)
    picked = [parent_ds.items[i] for i in s.selected_indices]
    ex.clustering = None  # the child is clustered afresh; wait for that below
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        QTest.keyClick(window, Qt.Key_R, Qt.ControlModifier)  # the shortcut
    child = s.dataset
    assert child is not parent_ds and child.items == picked and s.coords.shape == (len(picked), 2)
    qtbot.waitUntil(
        lambda: ex.clustering is not None and ex.clustering.n_points == len(picked), timeout=120_000
    )
    assert window.feature(Drill).titles() == [f"Map ({len(parent_ds)})", f"Selection ({len(picked)})"]
    assert window.feature(Drill).bar.isVisible()
    carried = [g for g in ex.groups if g.name == "first ten"]
    in_child = {parent_ds.items[i] for i in range(10)} & set(picked)
    assert (not in_child and not carried) or {child.items[i] for i in carried[0].indices} == in_child
    # in the child: keep a new group and select a few points, then go back by the breadcrumb
    ex.groups.add("inner", np.arange(3))
    s.select_indices([0, 1])
    window.feature(Drill).bar.actions()[0].trigger()
    assert s.dataset is parent_ds and np.array_equal(s.coords, parent_xy)
    assert [parent_ds.items[i] for i in s.selected_indices] == sorted(
        child.items[:2], key=parent_ds.items.index
    )
    inner = ex.groups.get("inner")
    assert {parent_ds.items[i] for i in inner.indices} == set(child.items[:3])
    assert ex.groups.get("first ten").count == 10 and not window.feature(Drill).stack


def test_new_images_in_the_folder_join_the_map_without_moving_it(
    window, qtbot, photo_folder, tiny_embedder, tmp_path
):
    folder = tmp_path / "photos"
    shutil.copytree(photo_folder, folder)
    extra = {}
    for sub in ("cat", "coffee"):
        for src in sorted((folder / sub).glob("*.jpg"))[:2]:
            extra[str(src)] = src.read_bytes()
            src.unlink()
    _map_of(window, qtbot, folder, tiny_embedder)
    s, ex = window.session, window.state.explore
    old_ds, old_xy, old_c = s.dataset, s.coords.copy(), ex.clustering
    ex.groups.add("kept", np.arange(5))
    for path, data in extra.items():  # the four images arrive
        with open(path.replace(".jpg", "_new.jpg"), "wb") as fh:
            fh.write(data)
    with qtbot.waitSignal(window.session.coords_changed, timeout=120_000):
        window.open_folder(str(folder), model=tiny_embedder)
    ds = s.dataset
    assert len(ds) == len(old_ds) + 4 and ds.items[: len(old_ds)] == old_ds.items
    assert np.array_equal(s.coords[: len(old_ds)], old_xy)  # the old points did not move
    assert ds.meta["new"].count("new") == 4 and s.selection.sum() == 4
    assert ex.clustering is not old_c and ex.clustering.n_points == len(ds)
    assert np.array_equal(ex.clustering.labels[: len(old_ds)], old_c.labels)
    assert ex.groups.get("kept").count == 5
    # an explicit full re-layout
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        window.feature(Relayout).trigger()
    assert s.dataset is ds and s.coords.shape == (len(ds), 2)


def test_reopening_with_another_model_replaces_the_map(window, qtbot, photo_folder, tiny_embedder):
    ds = drive(ingest_folder(str(photo_folder), IngestOptions(model=tiny_embedder)))
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    from latentview.qt.mapstack.extend import can_extend

    other = drive(ingest_folder(str(photo_folder), IngestOptions(model=tiny_embedder)))
    assert can_extend(window, other)
    other.model = "another"
    assert not can_extend(window, other)
