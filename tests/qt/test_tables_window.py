"""A table opened in the real window like a user would: the dialog, a drop, a click, a lasso, a session."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from latentview.core.geometry import points_in_polygon
from latentview.qt.explore.clusters_panel import ClusterControl
from latentview.qt.map.trust_overlay import TrustOverlay
from latentview.qt.tables.opener import TableOpener
from latentview.services.tables import TableSpec
from tests.qt.mouse import drag_lasso
from tests.table_files import N, write_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("win-tables"))


def _to_widget(window, x, y) -> QPoint:
    return window.map.mapFromScene(window.map.viewbox.mapViewToScene(QPointF(x, y)))


@pytest.fixture
def table_window(window, qtbot, files):
    window.state.auto_cluster = False  # colours stay by label (the clusters test runs them itself)
    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.feature(TableOpener).open(TableSpec(files["parquet"]))
    return window


def test_table_opens_to_a_map_with_legend_labels_and_dock(table_window, qtbot):
    w = table_window
    ds = w.session.dataset
    assert ds.kind == "table" and len(w.map.points) == N and w.session.projection == "pca"
    assert len(w.map.legend.items) == 3
    assert (
        "fixed.parquet" in w.feature(TableOpener).panel.info.text()
        and "vectors: embedding" in w.feature(TableOpener).panel.info.text()
    )
    qtbot.waitUntil(
        lambda: bool(w.feature(TableOpener).labels.drawn), timeout=5000
    )  # the text column drawn like words


def test_click_shows_fields_and_full_space_neighbours_then_lasso(table_window, qtbot):
    w = table_window
    s = w.session
    i = 4
    QTest.mouseClick(w.map.viewport(), Qt.LeftButton, Qt.NoModifier, _to_widget(w, *s.coords[i]))
    qtbot.waitUntil(lambda: s.focus is not None, timeout=5000)
    idx, _ = s.neighbours
    assert all(s.dataset.labels[j] == s.dataset.labels[s.focus] for j in idx[:5])
    assert "score" in w.inspector.caption.text() and w.inspector.neighbours.count() == s.k
    # lasso around the focused point's cluster
    cx, cy = s.coords[s.focus]
    (x0, x1), (y0, y1) = w.map.viewbox.viewRange()
    t = np.linspace(0, 2 * np.pi, 20)
    poly = np.c_[cx + (x1 - x0) * 0.15 * np.cos(t), cy + (y1 - y0) * 0.15 * np.sin(t)]
    drag_lasso(w.map, poly)
    qtbot.waitUntil(lambda: s.selection is not None, timeout=5000)
    expected = points_in_polygon(s.coords, poly)
    assert s.selection.sum() > 0 and (s.selection != expected).sum() <= 2
    assert f"{s.selection.sum()} selected" in w.inspector.count.text()


def test_find_text_selects_matching_rows(table_window):
    hits = table_window.feature(TableOpener).find("boat number")
    assert len(hits) == N // 3 and table_window.session.selection.sum() == N // 3


def test_dialog_previews_and_overrides_roles(window, qtbot, files):
    window.settings.set_method("pca")
    window.feature(TableOpener).ask(files["csv"])
    qtbot.waitUntil(
        lambda: (
            window.feature(TableOpener).dialog is not None and window.feature(TableOpener).dialog.isVisible()
        ),
        timeout=30_000,
    )
    dlg = window.feature(TableOpener).dialog
    assert dlg.vectors.currentText().startswith("emb_0 … emb_11 (12 columns)")
    assert dlg.combos["label"].currentData() == "label"
    assert dlg.findChild(type(dlg._preview())).rowCount() == 8
    dlg.combos["label"].setCurrentIndex(dlg.combos["label"].findData(""))  # no label
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Open).click()
    assert set(window.session.dataset.labels) == {"(no label)"}


def test_dropping_a_table_file_opens_the_dialog(window, qtbot, files):
    window.settings.set_method("pca")
    window.drop_folder_at(files["npy"])
    qtbot.waitUntil(
        lambda: (
            window.feature(TableOpener).dialog is not None and window.feature(TableOpener).dialog.isVisible()
        ),
        timeout=30_000,
    )
    assert window.feature(TableOpener).dialog.src.metadata.endswith("vectors_np.tsv")  # found beside the .npy
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.feature(TableOpener).dialog.accept()
    assert len(window.session.dataset) == N


def test_a_bad_table_is_one_sentence_and_the_map_stays(table_window, qtbot, tmp_path):
    before = table_window.session.dataset
    (tmp_path / "zero.parquet").write_bytes(b"")
    with qtbot.waitSignal(table_window.mapFailed, timeout=30_000) as blocker:
        table_window.feature(TableOpener).open(TableSpec(str(tmp_path / "zero.parquet")))
    assert "zero.parquet is empty (0 bytes)" in blocker.args[0]
    assert table_window.session.dataset is before


def test_session_of_a_table_map_reopens_the_table(table_window, qtbot, tmp_path):
    from latentview.qt.explore.actions import open_session, save_session

    w = table_window
    coords = w.session.coords.copy()
    save_session(w, str(tmp_path / "s.latentview.json"))
    assert not (tmp_path / "s.latentview.data.npz").exists()  # the table itself is the data
    w.session.set_dataset(w.session.dataset.__class__("gan", ["a"], ["b"], np.zeros((1, 2), np.float32)))
    with qtbot.waitSignal(w.mapReady, timeout=60_000):
        open_session(w, str(tmp_path / "s.latentview.json"))
    assert w.session.dataset.kind == "table" and len(w.session.dataset) == N
    np.testing.assert_allclose(w.session.coords, coords)


def test_table_with_image_paths_shows_the_picture(window, qtbot, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from PIL import Image

    from tests.table_files import space

    x, labels, _ = space(n=12)
    (tmp_path / "img").mkdir()
    for i in range(12):
        Image.new("RGB", (40, 30), (20 * i, 100, 200)).save(tmp_path / "img" / f"{i}.png")
    pq.write_table(pa.table({"image": [f"img/{i}.png" for i in range(12)], "label": labels,
                             "embedding": pa.array(x.tolist(), pa.list_(pa.float32()))}), tmp_path / "t.parquet")  # fmt: skip
    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.feature(TableOpener).open(TableSpec(str(tmp_path / "t.parquet")))
    assert window.session.dataset.kind == "images"
    with qtbot.waitSignal(
        window.runner.finished, timeout=20_000, check_params_cb=lambda k, o: k == "focus-image"
    ):
        window.session.set_focus(3)
    qtbot.waitUntil(lambda: not window.inspector.image.pixmap().isNull(), timeout=10_000)
    assert "PNG" in window.inspector.caption.text() and "image" in window.inspector.caption.text()


@pytest.mark.slow
def test_text_only_table_embeds_its_text_when_ticked(window, qtbot, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("sentence,topic\n" + "".join(f"a sentence about {w},{w}\n" for w in ("cats", "dogs", "money",
                                                                                          "banks", "birds")))  # fmt: skip
    window.settings.set_method("pca")
    window.feature(TableOpener).ask(str(path))
    qtbot.waitUntil(
        lambda: (
            window.feature(TableOpener).dialog is not None and window.feature(TableOpener).dialog.isVisible()
        ),
        timeout=30_000,
    )
    dlg = window.feature(TableOpener).dialog
    assert dlg.embed.isChecked() and not dlg.vectors.isEnabled()  # no vectors: offered, visibly
    with qtbot.waitSignal(window.mapReady, timeout=120_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Open).click()
    assert window.session.dataset.embeddings.shape == (5, 384)
    assert window.session.dataset.items[0] == "a sentence about cats"


def test_clusters_trust_groups_and_export_work_on_a_table(table_window, qtbot, tmp_path):
    from latentview.qt.explore.actions import export_points
    from latentview.services.clusters import ClusterParams

    w, s = table_window, table_window.session
    with qtbot.waitSignal(w.state.explore.clusters_changed, timeout=60_000):
        w.feature(ClusterControl).run(ClusterParams("kmeans", k=3))
    c = w.state.explore.clustering
    labels = np.asarray(s.dataset.labels)
    assert len(c) == 3 and all(len(set(labels[c.labels == k])) == 1 for k in range(3))
    assert sorted(c.names) == ["apple", "boat", "cloud"]  # named by the label column
    with qtbot.waitSignal(w.state.explore.trust_changed, timeout=60_000):
        w.feature(TrustOverlay).action.setChecked(True)
    assert w.state.explore.trust is not None and w.state.explore.trust.trustworthiness > 0.8
    s.select_indices(np.arange(10))
    w.state.explore.groups.add("first ten", s.selection)
    rows = []
    export_points(w, str(tmp_path / "sel.parquet"), on_done=rows.append)  # written on the runner
    qtbot.waitUntil(lambda: bool(rows), timeout=60_000)
    assert rows == [10]
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "sel.parquet")
    assert {"cluster", "cluster_name", "knn_recall", "groups", "embedding"} <= set(t.column_names)
    assert t.column("groups").to_pylist() == [["first ten"]] * 10  # a list column: a point may be in several
