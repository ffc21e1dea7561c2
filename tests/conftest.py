"""Shared fixtures. Every test runs headless with its caches in a temporary folder, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_REPO = Path(__file__).resolve().parents[1]
# UMAP's numba kernels take ~40 s to compile; keep them across test runs of this checkout.
os.environ.setdefault("NUMBA_CACHE_DIR", str(_REPO / ".cache" / "numba"))
os.environ.setdefault("TORCH_HOME", str(_REPO / ".cache" / "torch-empty"))  # no stray downloaded weights

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    path = tmp_path_factory.mktemp("latentview-cache")
    os.environ["LATENTVIEW_CACHE_DIR"] = str(path)
    os.environ["LATENTVIEW_CONFIG_DIR"] = str(tmp_path_factory.mktemp("latentview-config"))
    yield path


@pytest.fixture(autouse=True)
def _no_unanswered_dialogs(monkeypatch):
    """A modal dialog nobody answers would hang a headless run until its timeout: fail at once instead.
    Tests that expect a dialog patch it themselves (their monkeypatch wins over this one)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    def refuse(*_a, **_k):
        raise AssertionError("a modal dialog opened that the test did not answer")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("getSaveFileName", "getOpenFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(refuse))


@pytest.fixture(autouse=True)
def _fresh_config(tmp_path_factory, monkeypatch):
    """Each test its own config folder: trusted files, added models and recent sessions never leak."""
    monkeypatch.setenv("LATENTVIEW_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty embedding cache for this test only."""
    path = tmp_path / "cache"
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory) -> Path:
    """Real photos in 11 labelled sub-folders (crops of scikit-image/sklearn sample photos)."""
    from latentview.backends.demo import demo_folder

    return demo_folder(per_category=8)


@pytest.fixture
def tiny_embedder():
    """A fast deterministic stand-in encoder (colour statistics) registered as 'tiny-test'."""
    from latentview.backends import embedders
    from tests.fault_tools import TinyEncoder

    spec = embedders.EmbedderSpec("tiny-test", "Tiny test encoder", True, "test", TinyEncoder)
    embedders.register(spec)
    yield "tiny-test"
    embedders.EMBEDDERS.pop("tiny-test", None)
    embedders._loaded.pop("tiny-test", None)


@pytest.fixture
def no_mouse_rate_limit():
    import pyqtgraph as pg

    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", -1)
    yield
    pg.setConfigOption("mouseRateLimit", old)


@pytest.fixture
def window(qtbot, no_mouse_rate_limit):
    from latentview.qt.shell.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    assert win.runner.shutdown(60_000), "background threads did not stop"
