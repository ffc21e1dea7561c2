"""The GAN latent map shows faces, not Gaussian-noise clusters (issue 12 item 9), with the real face
generator: no automatic clustering, the hover preview and the Inspector show the sample's face, and
zooming in draws faces instead of dots, as on image maps."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from latentview.backends.projectors import ProjectionParams  # noqa: E402
from latentview.qt.explore.cluster_names import ClusterNames  # noqa: E402
from latentview.qt.gan.panel import GanPanel  # noqa: E402
from latentview.qt.map.thumbnails import HoverPreview, ThumbnailLayer  # noqa: E402
from latentview.services import gan  # noqa: E402


@pytest.fixture
def face_map(window, qtbot):
    panel = window.feature(GanPanel)
    with qtbot.waitSignal(panel.generatorReady, timeout=60_000):
        window.docks["GAN"].raise_()
    panel.latent_map.params = ProjectionParams("pca")
    panel.latent_map.count.setValue(300)
    with qtbot.waitSignal(window.mapReady, timeout=60_000):
        panel.latent_map.show_map()
    return window, panel


def test_latent_map_is_not_clustered_and_shows_faces(face_map, qtbot):
    window, panel = face_map
    ds = window.session.dataset
    assert ds.kind == "gan" and len(ds) == 300
    assert window.state.explore.clustering is None and not window.runner.is_running("clusters")
    assert window.feature(ClusterNames).texts() == []

    # hover: a preview of the rendered face (made once, kept as a PNG)
    window.feature(HoverPreview).hover(5)
    qtbot.waitUntil(lambda: "<img" in window.feature(HoverPreview).html, timeout=20_000)
    face_file = ds.meta["thumb_file"](5)
    assert face_file and face_file in window.feature(HoverPreview).html.replace("%2F", "/")

    # click: the Inspector shows the face the generator renders for that latent
    window.session.set_focus(7)
    qtbot.waitUntil(lambda: not window.inspector.image.pixmap().isNull(), timeout=20_000)
    assert window.inspector.image.pixmap().width() == 256
    expected = panel.gen.render(ds.meta["latents"][[7]])[0]
    img = window.inspector.image.pixmap().toImage().scaled(expected.shape[1], expected.shape[0])
    centre = img.pixelColor(expected.shape[1] // 2, expected.shape[0] // 2)
    assert np.abs(np.array([centre.red(), centre.green(), centre.blue()], int)
                  - expected[expected.shape[0] // 2, expected.shape[1] // 2]).max() < 40  # fmt: skip

    # zoom in on a few samples: faces replace the dots
    xy = window.session.coords
    x, y = xy[0]
    span = np.ptp(xy, axis=0) / 12
    layer = window.feature(ThumbnailLayer)
    window.map.zoom_to((x - span[0], x + span[0]), (y - span[1], y + span[1]))
    qtbot.waitUntil(lambda: layer.loaded() > 0, timeout=30_000)
    qtbot.waitUntil(lambda: (window.map.grab(), layer.last_drawn)[1] > 0, timeout=10_000)
    assert layer.last_drawn == len([i for i in layer.visible_indices() if int(i) in layer._pix])


def test_render_samples_follows_the_thumbnail_protocol(face_map):
    window, panel = face_map
    z = window.session.dataset.meta["latents"]
    parts = list(gan.render_samples(panel.gen, z, [3, 4], 128))
    chunks = [p.value for p in parts if hasattr(p, "value") and isinstance(p.value, list)]
    (chunk,) = chunks
    assert [i for i, _ in chunk] == [3, 4] and chunk[0][1].shape == (64, 64, 3)
    assert gan.sample_face_path(panel.gen.key, z[3]).exists()
