"""Issue 10 through the real window: tampered sessions leave the screen unchanged; a pickle dropped on
the Words panel asks first (and No opens nothing); paint() never raises into Qt."""

from __future__ import annotations

import os

import numpy as np
import pytest

from latentview.backends.projectors import ProjectionParams
from latentview.core.clusters import Clustering
from latentview.core.dataset import Dataset
from latentview.qt.explore.groups_panel import GroupsPanel
from latentview.qt.gan.panel import GanPanel
from tests.services.test_session_schema import TAMPERED, _edit


@pytest.fixture
def mapped(window, qtbot):
    rng = np.random.default_rng(0)
    ds = Dataset(
        "words", [f"w{i}" for i in range(40)], ["a", "b"] * 20, rng.normal(size=(40, 8)).astype(np.float32)
    )
    window.state.auto_cluster = False
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        window.show_dataset(ds, ProjectionParams("pca"))
    window.state.explore.set_clustering(Clustering(np.arange(40) % 3 - 1, ["x", "y"]))
    window.session.select_indices([1, 2, 3])
    window.feature(GroupsPanel).keep_selection("three")
    return window


def _state(w):
    return (id(w.session.dataset), w.session.coords.copy(), w.state.explore.colour_by, len(w.state.explore.groups),
            w.state.explore.clustering, [list(r) for r in w.map.viewbox.viewRange()])  # fmt: skip


def test_tampered_sessions_leave_the_window_unchanged(mapped, qtbot, tmp_path):
    from latentview.qt.explore.actions import open_session, save_session

    w = mapped
    before = _state(w)
    saved = []
    save_session(w, str(tmp_path / "good.json"), on_done=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=30_000)
    good = saved[0]
    for i, (name, edit) in enumerate(TAMPERED.items()):
        path = str(tmp_path / f"bad{i}.json")
        with open(good, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as dst:
            dst.write(src.read())
        os.link(tmp_path / "good.data.npz", tmp_path / f"bad{i}.data.npz")
        _edit(path, edit)
        _edit(path, lambda d, i=i: d["dataset"].__setitem__("sidecar", d["dataset"].get("sidecar") and
                                                             d["dataset"]["sidecar"].replace("good", f"bad{i}")))  # fmt: skip
        with qtbot.waitSignal(w.mapFailed, timeout=30_000) as failed:  # one sentence, on the runner
            open_session(w, path)
        assert "session" in failed.args[0].lower() or "file" in failed.args[0].lower(), name
        qtbot.waitUntil(lambda: not w.runner.is_running(), timeout=10_000)
        after = _state(w)
        assert after[0] == before[0] and np.array_equal(after[1], before[1]), name
        assert after[2:] == before[2:], name
    w.grab()  # and the window still paints


def test_paint_never_raises_into_qt(mapped, capsys):
    item = mapped.map.points
    item._xy = None  # broken state, as a flat `coords` list once made
    item.update()
    mapped.map.grab()  # an exception escaping paint() here once took PySide6 down
    assert "paint failed" in capsys.readouterr().err


def test_a_kv_opened_in_the_window_asks_first_and_no_opens_nothing(window, qtbot, tmp_path, monkeypatch):
    from latentview.backends import words as backend
    from latentview.qt.common import trust_dialog
    from latentview.qt.words.panel import WordsPanel

    monkeypatch.setenv("LATENTVIEW_CONFIG_DIR", str(tmp_path / "config"))
    path = str(tmp_path / "mine.kv")
    backend.keyed_vectors(["alpha", "beta", "gamma"], np.eye(3, dtype=np.float32)).save(path)
    panel = window.findChild(WordsPanel)
    window.settings.set_method("pca")  # UMAP's compile is not this test's subject
    asked = []
    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: asked.append(need) or False)
    panel.open_file(path)
    qtbot.waitUntil(lambda: bool(asked) and not window.runner.is_running(), timeout=30_000)
    assert panel.space is None and "can run code" in panel.message.text()
    assert asked[0].kind == "gensim pickle" and asked[0].path == path
    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: asked.append(need) or True)
    with qtbot.waitSignal(panel.spaceLoaded, timeout=30_000):
        panel.open_file(path)
    assert panel.space.words == ["alpha", "beta", "gamma"] and len(asked) == 2
    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: pytest.fail("asked again"))
    with qtbot.waitSignal(panel.spaceLoaded, timeout=30_000):
        panel.open_file(path)  # remembered by its hash


def test_a_torchscript_generator_asks_first_then_renders_from_its_own_process(
    window, qtbot, tmp_path, monkeypatch
):
    torch = pytest.importorskip("torch")
    from latentview.qt.common import trust_dialog
    from tests.backends.test_generators import small_dcgan

    monkeypatch.setenv("LATENTVIEW_CONFIG_DIR", str(tmp_path / "config"))
    path = str(tmp_path / "g.pt")
    torch.jit.trace(small_dcgan(nz=12), torch.zeros(1, 12, 1, 1)).save(path)
    panel = window.feature(GanPanel)
    answers = [False]
    monkeypatch.setattr(trust_dialog, "confirm_code", lambda parent, need: answers.pop(0))
    panel.load(path)
    qtbot.waitUntil(lambda: not answers and not window.runner.is_running(), timeout=30_000)
    assert panel.gen is None  # "no": nothing loaded, nothing ran
    answers.append(True)
    with qtbot.waitSignal(panel.imageShown, timeout=120_000):
        panel.load(path)
    assert panel.gen.nz == 12 and panel.gen._proc.pid != os.getpid()
    assert panel.image.shape == (16, 16, 3)
    qtbot.waitUntil(lambda: not window.runner.is_running(), timeout=120_000)
    panel.gen.close()
