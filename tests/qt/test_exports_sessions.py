"""Exports, sessions and the hover loader through the real window (tiny encoder, PCA): the File menu's
actions with their dialogs answered, the files read back, the Log lines, the save-before-replace
prompt, and the GAN dock's state in a session."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latentview.backends.projectors import ProjectionParams
from latentview.core.dataset import Dataset
from latentview.qt.explore.actions import ExploreActions
from latentview.qt.explore.groups_panel import GroupsPanel
from latentview.qt.gan.panel import GanPanel
from latentview.qt.map.thumbnails import HoverPreview
from latentview.qt.map.trust_overlay import TrustOverlay


def _answer_save(monkeypatch, path, name_filter):
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), name_filter))
    )


def _log_lines(w) -> list[str]:
    return [e.message for e in w.log.entries] if hasattr(w.log, "entries") else [w.log.text.toPlainText()]


def _logged(w, text) -> bool:
    return any(text in line for line in _log_lines(w))


def test_file_export_selection_menu_writes_the_selected_rows(tiny_map, qtbot, tmp_path, monkeypatch):
    w = tiny_map
    sel = w.state.explore.clustering.members(0)
    w.session.select_indices(sel)
    _answer_save(monkeypatch, tmp_path / "picked", "CSV (*.csv)")  # no suffix typed: the filter's
    with qtbot.waitSignal(w.runner.finished, timeout=30_000, check_params_cb=lambda k, o: k == "export") as b:
        w.feature(ExploreActions).export_sel.trigger()  # the real menu action (Qt passes checked=False)
    assert b.args[1] == "ok"
    rows = (tmp_path / "picked.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(sel) and rows[0].startswith("path,label,x,y,cluster")
    assert not list(tmp_path.glob("*.part")) and _logged(w, f"Exported {len(sel)} rows")
    _answer_save(monkeypatch, tmp_path / "tb.parquet", "TensorBoard projector (folder)")
    with qtbot.waitSignal(w.runner.finished, timeout=30_000, check_params_cb=lambda k, o: k == "export"):
        w.feature(ExploreActions).export_sel.trigger()
    vectors = np.loadtxt(tmp_path / "tb" / "vectors.tsv", delimiter="\t", ndmin=2)
    assert vectors.shape == (len(sel), w.session.dataset.embeddings.shape[1])


def test_export_map_data_has_clusters_groups_trust_and_embeddings(tiny_map, qtbot, tmp_path, monkeypatch):
    w = tiny_map
    with qtbot.waitSignal(w.state.explore.trust_changed, timeout=60_000):
        w.feature(TrustOverlay).action.trigger()
    w.session.select_indices([1, 2, 3])
    w.feature(GroupsPanel).keep_selection("three")
    w.session.select_indices([3, 4])
    w.feature(GroupsPanel).keep_selection("a;b")
    w.session.clear_selection()
    _answer_save(monkeypatch, tmp_path / "map", "Parquet (*.parquet)")
    with qtbot.waitSignal(w.runner.finished, timeout=30_000, check_params_cb=lambda k, o: k == "export"):
        w.export_action.trigger()
    table = pq.read_table(tmp_path / "map.parquet")
    t = table.to_pydict()
    ds, c = w.session.dataset, w.state.explore.clustering
    assert len(t["path"]) == len(ds) == 88
    assert t["cluster"] == c.labels.tolist() and t["cluster_name"][0] == c.name_of(int(c.labels[0]))
    assert np.allclose(t["knn_recall"], w.state.explore.trust.recall)
    assert t["groups"][3] == ["three", "a;b"] and t["groups"][0] == [] and t["groups"][4] == ["a;b"]
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), ds.embeddings.shape[1])
    assert np.array_equal(np.array(t["embedding"], np.float32), ds.embeddings.astype(np.float32))
    assert _logged(w, "Exported 88 rows")


def test_map_image_svg_vectors_png_twice_and_log(tiny_map, qtbot, tmp_path, monkeypatch):
    w = tiny_map
    _answer_save(monkeypatch, tmp_path / "map", "SVG (*.svg)")
    w.feature(ExploreActions).export_image.trigger()
    svg = (tmp_path / "map.svg").read_text(encoding="utf-8")
    assert "<image" not in svg and svg.count("<ellipse") + svg.count("<circle") >= 88
    assert _logged(w, "88 points as vector circles")
    from latentview.qt.explore.actions import export_map_image

    export_map_image(w, str(tmp_path / "map.png"))
    from PySide6.QtGui import QImage

    img = QImage(str(tmp_path / "map.png"))
    assert (img.width(), img.height()) == (2 * w.map.width(), 2 * w.map.height())
    assert _logged(w, "Map image saved")


def test_svg_of_a_big_map_embeds_the_points_and_says_so(window, qtbot, tmp_path):
    from latentview.qt.explore.actions import export_map_image

    n = 60_000
    emb = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(
            Dataset("points", [str(i) for i in range(n)], ["x"] * n, emb), ProjectionParams("pca")
        )
    export_map_image(window, str(tmp_path / "big.svg"))
    assert "<image" in (tmp_path / "big.svg").read_text(encoding="utf-8")
    assert _logged(window, "more than 50,000")


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_opening_another_map_offers_to_save_the_groups(tiny_map, qtbot, tmp_path, monkeypatch, answer):
    w = tiny_map
    asked, opened = [], []
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: opened.append(1) or "")
    )
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a) or None))
    w._ask_folder()  # no groups: no question
    assert not asked and opened == [1]
    w.session.select_indices([1, 2])
    w.feature(GroupsPanel).keep_selection("mine")
    reply = {"cancel": QMessageBox.Cancel, "discard": QMessageBox.Discard, "save": QMessageBox.Save}[answer]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a) or reply))
    _answer_save(monkeypatch, tmp_path / "kept", "latentview session (*.json)")
    w._ask_folder()
    assert len(asked) == 1 and "1 group" in asked[0][2]
    assert opened == ([1] if answer == "cancel" else [1, 1])
    if answer == "save":
        qtbot.waitUntil(lambda: (tmp_path / "kept.json").exists(), timeout=30_000)
        assert "mine" in (tmp_path / "kept.json").read_text(encoding="utf-8")


def test_hover_previews_use_one_bounded_debounced_loader(tiny_map, qtbot, fresh_cache, monkeypatch):
    import threading

    from latentview.qt.map import hover_loader

    w = tiny_map
    loader = w.feature(HoverPreview).loader
    # Driven point by point here: a tooltip popping up may send the scene a synthetic mouse move.
    w.map.scene().sigMouseMoved.disconnect(w.feature(HoverPreview).on_move)
    for i in range(30):  # a sweep across the map: every point hovered for a moment
        w.feature(HoverPreview).hover(i)
    assert loader.started == 0  # debounced: nothing decoded while the hover moves
    qtbot.waitUntil(lambda: "<img" in w.feature(HoverPreview).html, timeout=30_000)
    assert loader.started == 1 and w.session.dataset.labels[29] in w.feature(HoverPreview).html
    # A slow decode (a stand-in that waits to be released) is cancelled when the hover moves away, and
    # never runs beside another one.
    release, real = threading.Event(), hover_loader.preview_steps
    active, most = [0], [0]

    def slow(path, size):
        active[0] += 1
        most[0] = max(most[0], active[0])
        try:
            release.wait(10)
            return (yield from real(path, size))
        finally:
            active[0] -= 1

    monkeypatch.setattr(hover_loader, "preview_steps", slow)
    w.feature(HoverPreview).hover(40)
    qtbot.waitUntil(lambda: loader.busy and active[0] == 1, timeout=5_000)
    w.feature(HoverPreview).hover(41)  # a newer point waits: still one decode in flight
    qtbot.wait(200)
    assert loader.started == 2 and active[0] == 1
    w.feature(HoverPreview).hover(None)  # moved away: the one in flight is cancelled, its result dropped
    release.set()
    qtbot.waitUntil(lambda: not loader.busy, timeout=30_000)
    qtbot.wait(200)
    assert most[0] == 1
    assert w.feature(HoverPreview).html == "" and loader.started == 2


def test_gan_session_restores_generator_state_and_pins(window, qtbot, tmp_path):
    from latentview.qt.explore.actions import open_session, save_session
    from tests.qt.test_gan_panel import _idle

    panel = window.feature(GanPanel)
    with qtbot.waitSignal(panel.directionsReady, timeout=60_000):
        panel.load("digits-vae")
    _idle(qtbot, panel)
    emb = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(
            Dataset("gan", [f"s{i}" for i in range(40)], ["sample"] * 40, emb), ProjectionParams("pca")
        )
    panel.seed_box.setValue(5)
    panel.interpolation.pin("a")
    panel.scale_slider.setValue(80)
    panel.direction_list.sliders[1].setValue(15)  # PC2 +1.5σ
    panel.interpolation.pin("b")
    _idle(qtbot, panel)
    want_latent, want_a, want_b = panel.current_latent(), panel.interpolation.a, panel.interpolation.b
    want_image = panel.image.copy()
    saved = []
    save_session(window, str(tmp_path / "g.json"), on_done=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=30_000)
    panel.seed_box.setValue(9)  # move everything away
    panel.reset_directions()
    panel.interpolation.reset()
    _idle(qtbot, panel)
    assert not np.allclose(panel.current_latent(), want_latent)
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        open_session(window, str(tmp_path / "g.json"))
    qtbot.waitUntil(lambda: np.allclose(panel.current_latent(), want_latent), timeout=30_000)
    _idle(qtbot, panel)
    st = panel.state
    assert st.seed == 5 and st.scale == pytest.approx(0.8) and st.amounts["PC2"] == pytest.approx(1.5)
    assert panel.seed_box.value() == 5 and panel.direction_list.sliders[1].value() == 15
    assert np.allclose(panel.interpolation.a, want_a) and np.allclose(panel.interpolation.b, want_b)
    assert np.array_equal(panel.image, want_image) and len(window.session.dataset) == 40
