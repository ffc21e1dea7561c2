"""A first open end to end (nothing cached, real model, real threads): UMAP is made ready while the
images are embedded, the PCA map shows at once, then the UMAP map, then the named clusters."""

from __future__ import annotations

import shutil


def test_first_open_shows_pca_then_umap_then_names(window, qtbot, photo_folder, tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    shutil.copytree(photo_folder, folder)
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "cache"))  # nothing cached: a first open
    keys, events = [], []
    submit = window.runner.submit

    def record(key, *args, **kwargs):
        keys.append(key)
        return submit(key, *args, **kwargs)

    monkeypatch.setattr(window.runner, "submit", record)
    s = window.session
    s.coords_changed.connect(
        lambda final: events.append((s.projection, final, window.state.explore.clustering is not None))
    )
    window.settings.set_method("umap")
    window.drop_folder_at(str(folder))
    qtbot.waitUntil(lambda: window.state.explore.clustering is not None, timeout=300_000)
    assert keys.index("warm-up") < keys.index("project") < keys.index("clusters")
    assert events[0] == ("pca", False, False)  # the map is never empty while UMAP works
    finals = [i for i, e in enumerate(events) if e[:2] == ("umap", True)]
    assert finals and not any(e[2] for e in events[: finals[0] + 1])  # names land after the map
    c = window.state.explore.clustering
    assert len(c) >= 6 and c.coverage >= 0.85 and all(c.names)
