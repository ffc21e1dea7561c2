"""The GAN dock driven through pytest-qt: the real face generator end to end, the latent map, fitted
directions, interpolation export, and a window that appears before torch loads."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from latentview.backends.projectors import ProjectionParams  # noqa: E402
from latentview.qt.gan.panel import GanPanel  # noqa: E402
from latentview.services import gan  # noqa: E402

NO_SEED_TEXT = "—"  # the Seed box when the latent is not a seed's


def _idle(qtbot, panel):
    qtbot.waitUntil(lambda: not panel._rendering and panel._dirty_since is None, timeout=10_000)


@pytest.fixture
def face_panel(window, qtbot):
    panel = window.feature(GanPanel)
    with qtbot.waitSignal(panel.directionsReady, timeout=60_000):
        window.docks["GAN"].raise_()  # first shown: the default generator loads in the background
    _idle(qtbot, panel)
    return panel


@pytest.fixture
def digits_panel(window, qtbot):
    panel = window.feature(GanPanel)
    with qtbot.waitSignal(panel.directionsReady, timeout=60_000):
        panel.load("digits-vae")
    _idle(qtbot, panel)
    return panel


def test_face_generator_sliders_drive_the_image(face_panel, qtbot, tmp_path):
    panel = face_panel
    assert panel.gen.name == "face-dcgan" and len(panel.direction_list.sliders) == 10
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.seed_box.setValue(42)
    _idle(qtbot, panel)
    expected = panel.gen.render(gan.latent_for_seed(42, 100)[None])[0]
    assert np.array_equal(panel.image, expected)  # the dock shows the same pixels as the CLI
    before = panel.image.copy()
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.direction_list.sliders[0].setValue(20)  # PC1 to +2σ
    _idle(qtbot, panel)
    assert np.abs(panel.image.astype(int) - before).mean() > 5
    assert panel.state.amounts["PC1"] == pytest.approx(2.0)
    panel.save_png(str(tmp_path / "x.png"))
    panel.save_latent(str(tmp_path / "z.npy"))
    assert np.allclose(np.load(tmp_path / "z.npy"), panel.current_latent())
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(tmp_path / "x.png")), panel.image)


def test_slider_storm_coalesces_and_the_newest_state_wins(face_panel, qtbot):
    panel = face_panel
    n0 = len(panel.latencies)
    slider = panel.direction_list.sliders[1]
    for v in range(-30, 31, 2):  # 31 moves, as fast as the event loop delivers them
        slider.setValue(v)
    _idle(qtbot, panel)
    renders = len(panel.latencies) - n0
    assert 1 <= renders < 31
    assert np.array_equal(panel.image, panel.gen.render(panel.current_latent()[None])[0])
    assert max(panel.latencies[n0:]) < 2.0


def test_raw_dimensions_are_collapsible_and_edit_the_latent(face_panel, qtbot):
    panel = face_panel
    assert not panel.raw_list.isVisible() and not panel.raw_list.sliders  # built on first open
    panel.raw_toggle.click()
    assert len(panel.raw_list.sliders) == 100 and panel.raw_list.isVisible()
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.raw_list.sliders[3].setValue(25)
    assert panel.state.base[3] == pytest.approx(2.5) and panel.state.seed is None


def test_latent_map_cursor_click_and_fitted_direction(window, digits_panel, qtbot, tmp_path):
    panel = digits_panel
    section = panel.latent_map
    section.params = ProjectionParams("pca")
    section.count.setValue(300)
    with qtbot.waitSignal(window.mapReady, timeout=30_000):
        section.show_map()
    lat = window.session.dataset.meta["latents"]
    assert window.session.dataset.kind == "gan" and lat.shape == (300, 2)
    # clicking a point loads its latent; the cursor sits on that point
    window.session.set_focus(17)
    _idle(qtbot, panel)
    assert np.allclose(panel.current_latent(), lat[17])
    cursor = section.cursor.getData()
    assert np.allclose([cursor[0][0], cursor[1][0]], window.session.coords[17], atol=1e-3)
    # a direction from a selection: group A = samples with large z0
    window.session.select_indices(np.flatnonzero(lat[:, 0] > 0.7))
    panel.fit.take("a")
    panel.fit.name.setText("right")
    panel.fit.method.setCurrentIndex(1)  # linear classifier
    n = len(panel.direction_list.sliders)
    assert panel.fit.add() == "right"
    assert len(panel.direction_list.sliders) == n + 1
    assert panel.directions.vectors[-1] @ np.array([1.0, 0.0]) > 0.9
    assert gan.named_directions_path(panel.gen.key).exists()  # kept with the generator
    # saved named directions come back as sliders in a fresh generator load
    with qtbot.waitSignal(panel.directionsReady, timeout=30_000):
        panel.load("digits-vae")
    assert "right" in panel.directions.names


def test_interpolation_scrub_path_and_gif_export(window, digits_panel, qtbot, tmp_path):
    from PIL import Image

    panel = digits_panel
    panel.latent_map.params = ProjectionParams("pca")
    with qtbot.waitSignal(window.mapReady, timeout=30_000):
        panel.latent_map.show_map()
    panel.set_base(np.array([-1.5, 0.5], np.float32))
    panel.interpolation.pin("a")
    panel.set_base(np.array([1.0, 1.5], np.float32))
    panel.interpolation.pin("b")
    x, _y = panel.latent_map.line.getData()
    assert len(x) == 40  # the path is drawn on the map
    panel.interpolation.timeline.setValue(50)
    assert np.allclose(panel.state.base, gan.slerp(panel.interpolation.a, panel.interpolation.b, 0.5))
    panel.interpolation.frames.setValue(12)
    path = tmp_path / "ab.gif"
    with qtbot.waitSignal(panel.interpolation.exported, timeout=20_000):
        panel.interpolation.export(str(path), "gif")
    with Image.open(path) as im:
        assert im.n_frames == 12


def test_seed_box_and_caption_name_the_same_seed(window, digits_panel, qtbot):
    """The Seed box shows the seed the caption names, whatever set it; a latent that is no seed's (an
    interpolation frame, a map point, a restored edit) shows no number, and typing a seed brings it back."""
    panel = digits_panel
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.set_seed(11)  # as the walk does between pinning A and B
    _idle(qtbot, panel)
    assert panel.caption.text().startswith("seed 11 ")
    assert panel.seed_box.value() == 11
    panel.interpolation.pin("a")
    panel.seed_box.setValue(12)
    panel.interpolation.pin("b")
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.interpolation.timeline.setValue(50)  # a frame between the two seeds
    _idle(qtbot, panel)
    assert panel.caption.text().startswith("loaded latent")
    assert panel.seed_box.text() == NO_SEED_TEXT
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        panel.seed_box.setValue(12)  # the seed the box showed before the scrub
    _idle(qtbot, panel)
    assert panel.state.seed == 12 and np.allclose(panel.state.base, gan.latent_for_seed(12, panel.gen.nz))
    assert panel.caption.text().startswith("seed 12 ") and panel.seed_box.value() == 12
    panel.seed_box.stepDown()
    panel.seed_box.setValue(-1)  # stepped below 0 onto "—": nothing changes, the box names seed 11 again
    assert panel.seed_box.value() == 11 and panel.state.seed == 11
    _save, restore = window.state.session_parts["gan"]
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        restore({"generator": "digits-vae", "nz": 2, "seed": None, "base": [0.25, -0.5]})
    _idle(qtbot, panel)
    assert panel.caption.text().startswith("loaded latent") and panel.seed_box.text() == NO_SEED_TEXT
    with qtbot.waitSignal(panel.imageShown, timeout=10_000):
        restore({"generator": "digits-vae", "nz": 2, "seed": 7, "base": gan.latent_for_seed(7, 2).tolist()})
    _idle(qtbot, panel)
    assert panel.caption.text().startswith("seed 7 ") and panel.seed_box.value() == 7


def test_bad_generator_file_is_reported_in_a_sentence(window, qtbot, tmp_path):
    bad = tmp_path / "evil.pt"
    bad.write_bytes(b"not a model at all")
    panel = window.feature(GanPanel)
    panel.load(str(bad))
    qtbot.waitUntil(lambda: any("not a generator" in e.message for e in window.log.entries), timeout=30_000)
    assert panel.gen is None


def test_window_appears_before_torch_loads_and_has_the_gan_dock():
    code = (
        "import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from latentview.qt.shell.main_window import MainWindow; w = MainWindow();"
        "acts = [a.text() for a in w.file_menu.actions()];"
        "print('torch' in sys.modules, 'GAN' in w.docks, 'Load &Generator…' in acts)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert out.stdout.split() == ["False", "True", "True"], out.stderr


def test_dock_screenshot(face_panel, window, tmp_path):
    window.docks["GAN"].raise_()
    shot = window.grab()
    assert shot.width() > 0 and face_panel.view.pixmap().width() == 256
