"""Model and Layer combos with real widgets: a missing model reverts the combo (issue 12 item 8), a layer
change re-embeds and re-maps, "Add model…" adds an ONNX file that is remembered, TorchScript asks."""

from __future__ import annotations

import numpy as np
import pytest

from latentview.backends import embedders, own_models
from tests.backends.test_own_encoders import _torchscript_file, export_cnn


@pytest.fixture(autouse=True)
def _nothing_trusted():
    """Trust is per process and per file content: each test starts with none given."""
    own_models._trusted.clear()
    yield
    own_models._trusted.clear()


@pytest.fixture
def missing_model():
    def build():
        raise embedders.ModelUnavailable("Missing-Test weights are not on this computer and could not be "
                                         "downloaded (URLError). Connect to the internet once.")  # fmt: skip

    embedders.register(
        embedders.EmbedderSpec("missing-test", "Missing (test)", False, "test", build, onnx=False)
    )
    yield "missing-test"
    embedders.EMBEDDERS.pop("missing-test", None)


def _map(window, qtbot, folder, model):
    window.settings.set_method("pca")
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        window.open_folder(str(folder), model=model)


def test_missing_weights_revert_the_combo_and_say_so_in_the_log(tiny_embedder, missing_model, window, qtbot,
                                                                photo_folder):  # fmt: skip
    _map(window, qtbot, photo_folder, tiny_embedder)
    combo = window.settings.model
    n_logs = len(window.log.entries)
    combo.setCurrentIndex(combo.findData(missing_model))  # what a click in the list does
    qtbot.waitUntil(lambda: any("Missing-Test weights" in e.message for e in window.log.entries[n_logs:]),
                    timeout=60_000)  # fmt: skip
    assert combo.currentData() == tiny_embedder == window.session.dataset.model
    assert window.settings.model_name == tiny_embedder
    assert len(window.statusBar().currentMessage()) < 60 and "Log" in window.statusBar().currentMessage()


def test_layer_combo_re_embeds_at_a_stage_and_re_maps(window, qtbot, photo_folder):
    _map(window, qtbot, photo_folder, "efficientnet-lite0")
    assert window.session.dataset.embeddings.shape[1] == 1280
    layers = window.settings.layer
    titles = [layers.itemText(i) for i in range(layers.count())]
    assert titles[0].startswith("raw pixels") and "stage 3" in titles[3] and "default" in titles[-1]
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        layers.setCurrentIndex(layers.findData("stage3"))
    ds = window.session.dataset
    assert ds.model == "efficientnet-lite0#stage3" and ds.embeddings.shape == (88, 40)
    assert len(window.map.points) == 88 and np.ptp(window.session.coords, axis=0).min() > 0
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        layers.setCurrentIndex(0)
    assert window.session.dataset.embeddings.shape == (88, 3072)


def test_add_model_reads_the_graph_asks_and_is_remembered(tiny_embedder, window, qtbot, photo_folder,
                                                          tmp_path, monkeypatch):  # fmt: skip
    from latentview.qt.map import add_model
    from latentview.qt.map.settings_panel import MapSettingsPanel

    path = export_cnn(tmp_path / "my-encoder.onnx")
    _map(window, qtbot, photo_folder, tiny_embedder)
    monkeypatch.setattr(add_model.QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    seen = {}

    def answer(dialog):  # the user reads the prefilled dialog and presses OK
        seen["outputs"] = [dialog.output.itemData(i) for i in range(dialog.output.count())]
        seen["default"] = dialog.output.currentData()
        seen["size_editable"] = dialog.size.isEnabled()
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(add_model.ModelDialog, "exec", answer)
    combo = window.settings.model
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        combo.setCurrentIndex(combo.findData(MapSettingsPanel.ADD))
    assert seen["default"] == "/5/Flatten_output_0" and len(seen["outputs"]) >= 4
    assert seen["size_editable"] is False  # the graph fixes 64×64
    assert window.session.dataset.model == path and window.session.dataset.embeddings.shape[1] == 16
    assert combo.currentData() == path and combo.itemText(combo.count() - 1) == "Add model…"
    fresh = MapSettingsPanel()  # the next launch
    qtbot.addWidget(fresh)
    assert fresh.model.findData(path) >= 0
    fresh.model.setCurrentIndex(fresh.model.findData(path))
    layer_names = [fresh.layer.itemData(i) for i in range(fresh.layer.count())]
    assert own_models.RAW_PIXELS in layer_names and any(n and "Relu" in n for n in layer_names)


def test_torchscript_needs_a_yes_and_a_no_keeps_the_map(tiny_embedder, window, qtbot, photo_folder, tmp_path,
                                                        monkeypatch):  # fmt: skip
    from latentview.qt.common import trust_dialog

    path = _torchscript_file(tmp_path)
    _map(window, qtbot, photo_folder, tiny_embedder)
    asked = []
    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: asked.append(need.kind) or False)
    window.settings.set_model(path)  # e.g. remembered from an earlier launch, then chosen
    window.settings.modelChanged.emit(path)
    assert asked == ["TorchScript program"]
    assert window.settings.model_name == tiny_embedder and not own_models.is_trusted(path)
    assert window.session.dataset.model == tiny_embedder

    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: True)
    window.settings.set_model(path)
    with qtbot.waitSignal(window.mapReady, timeout=240_000):
        window.settings.modelChanged.emit(path)
    assert own_models.is_trusted(path) and window.session.dataset.embeddings.shape[1] == 16
