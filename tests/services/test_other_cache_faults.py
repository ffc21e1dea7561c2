"""The other caches are caches too: GAN directions and map thumbnails survive a damaged file or a cache
folder that cannot be used, and still give their result."""

from __future__ import annotations

import numpy as np

from latentview.services.runner import drive
from tests.fault_tools import make_images


def test_gan_directions_with_a_damaged_or_unusable_cache(tmp_path, monkeypatch):
    from latentview.backends.generators import get_generator
    from latentview.services import gan

    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "cache"))
    gen = get_generator("digits-vae")
    first = drive(gan.compute_directions(gen, n_samples=300))
    (cached,) = (tmp_path / "cache" / "gan").glob("*.npz")
    cached.write_bytes(b"garbage")
    again = drive(gan.compute_directions(gen, n_samples=300))
    assert np.allclose(again.vectors, first.vectors)
    with np.load(cached) as f:  # and the damaged file was replaced
        assert np.allclose(f["vectors"], first.vectors)
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    third = drive(gan.compute_directions(gen, n_samples=300))
    assert np.allclose(third.vectors, first.vectors)


def test_thumbnails_with_an_unusable_cache_folder(tmp_path, monkeypatch):
    from latentview.services.thumbnails import cached_thumbnail, thumbnail

    (img,) = make_images(tmp_path / "photos", 1, size=(80, 40))
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    rgb = thumbnail(str(img), 32)
    assert rgb is not None and rgb.shape == (32, 32, 3)
    assert cached_thumbnail(str(img), 32) is None
