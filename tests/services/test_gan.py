"""GAN services headless: directions, interpolation, fitted directions, export, the CLI."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from latentview.backends.generators import get_generator  # noqa: E402
from latentview.core.errors import UserError  # noqa: E402
from latentview.services import gan  # noqa: E402
from latentview.services.runner import drive  # noqa: E402


def _distances_from_start(gen, dirs, k, seed, reach):
    """Mean pixel change from the unmoved image at -reach … +reach σ in 13 steps (index 6 is 0σ)."""
    z = gan.latent_for_seed(seed, gen.nz)
    amounts = np.linspace(-reach, reach, 13)
    frames = gen.render(gan.along_direction(z, dirs.vectors[k] * dirs.sigma[k], amounts)).astype(np.float64)
    return np.array([np.abs(f - frames[6]).mean() for f in frames]), np.abs(frames[-1] - frames[0]).mean()


# Monotonic is asked of the face DCGAN over the sliders' full ±3σ. The digits VAE's 2-D latent morphs
# one digit into another (a 3 via an 8 into a 9), so its pixel distance need not grow monotonically.
@pytest.mark.parametrize("name, k, reach", [("face-dcgan", 3, 3.0), ("digits-vae", 2, 1.5)])
def test_each_direction_changes_the_image_measurably_and_monotonically(name, k, reach):
    gen = get_generator(name)
    dirs = drive(gan.compute_directions(gen, use_cache=False))
    assert len(dirs) >= k and np.allclose(np.linalg.norm(dirs.vectors, axis=1), 1, atol=1e-5)
    assert np.all(np.diff(dirs.explained) <= 1e-6)  # ordered by variance explained
    for i in range(k):
        for seed in (1, 2):
            dist, ends = _distances_from_start(gen, dirs, i, seed, reach)
            assert ends > 8, f"{name} PC{i + 1} barely changes the image"
            # The further the slider from 0, the further the image from where it started, both ways.
            if name == "face-dcgan":
                assert np.all(np.diff(dist[6:]) > 0) and np.all(np.diff(dist[:7]) < 0), (
                    f"PC{i + 1}: {dist.round(1)}"
                )
            else:
                assert dist[0] > 10 and dist[-1] > 10


def test_directions_are_cached_per_generator():
    gen = get_generator("digits-vae")
    first = drive(gan.compute_directions(gen, n_samples=500, k=2))
    events = list(gan.compute_directions(gen, n_samples=500, k=2))
    assert events == []  # answered from the cache: no sampling at all
    again = drive(gan.compute_directions(gen, n_samples=500, k=2))
    assert np.array_equal(first.vectors, again.vectors) and again.names == ["PC1", "PC2"]


def test_slerp_keeps_the_norm_and_lerp_does_not():
    a, b = gan.latent_for_seed(1, 100), gan.latent_for_seed(2, 100)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    path = gan.interpolate(a, b, 11, "slerp")
    assert np.allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a), rtol=1e-5)
    assert np.allclose(path[0], a, atol=1e-5) and np.allclose(path[-1], b, atol=1e-5)
    assert np.linalg.norm(gan.interpolate(a, b, 11, "lerp")[5]) < 0.8 * np.linalg.norm(a)
    c = 2 * gan.latent_for_seed(3, 100)  # unequal norms: the norm moves linearly between them
    mid = gan.slerp(a, c, 0.5)
    assert np.isclose(np.linalg.norm(mid), (np.linalg.norm(a) + np.linalg.norm(c)) / 2, rtol=1e-5)


@pytest.mark.parametrize("method", ["mean", "linear"])
def test_fitted_direction_recovers_the_known_axis(method):
    rng = np.random.default_rng(0)
    axis = rng.standard_normal(100)
    axis /= np.linalg.norm(axis)
    lat = rng.standard_normal((3000, 100)).astype(np.float32)
    t = lat @ axis
    group_a, group_b = np.flatnonzero(t > 0.5), np.flatnonzero(t < -0.5)
    d = gan.fit_direction(lat, group_a, group_b, method)
    assert float(d @ axis) > 0.9
    d_rest = gan.fit_direction(lat, group_a, None, method)  # B = the rest of the map
    assert float(d_rest @ axis) > 0.9
    with pytest.raises(UserError, match="at least two"):
        gan.fit_direction(lat, group_a[:1], None, method)


def test_gif_and_strip_export_have_the_asked_frames(tmp_path):
    from PIL import Image

    gen = get_generator("digits-vae")
    latents = gan.interpolate(np.array([-2, -2], np.float32), np.array([2, 2], np.float32), 9, "lerp")
    gif = tmp_path / "a.gif"
    assert drive(gan.export_frames(gen, latents, str(gif), "gif")) == str(gif)
    with Image.open(gif) as im:
        assert im.n_frames == 9 and im.size == (128, 128)
    png = tmp_path / "a.png"
    drive(gan.export_frames(gen, latents, str(png), "png"))
    with Image.open(png) as im:
        assert im.size == (9 * 128 + 8 * 2, 128)


def test_map_locator_is_exact_for_a_linear_map_and_near_for_others():
    rng = np.random.default_rng(1)
    lat = rng.standard_normal((300, 10)).astype(np.float32)
    w = rng.standard_normal((10, 2))
    loc = gan.MapLocator(lat, lat @ w + 3)
    assert loc.linear
    z = rng.standard_normal((5, 10)).astype(np.float32)
    assert np.allclose(loc.locate(z), z @ w + 3, atol=1e-4)
    bent = gan.MapLocator(lat, np.tanh(lat @ w))  # not linear: k nearest samples
    assert not bent.linear
    assert np.allclose(bent.locate(lat[7]), np.tanh(lat[7] @ w), atol=1e-3)


def test_sample_map_dataset_carries_its_latents():
    gen = get_generator("digits-vae")
    ds = drive(gan.sample_map(gen, 50))
    assert ds.kind == "gan" and len(ds) == 50 and ds.embeddings.shape == (50, 2)
    assert np.array_equal(ds.meta["latents"], ds.embeddings) and ds.meta["generator"] == gen.key


def test_sample_map_of_cnn_embeddings_of_the_images(tiny_embedder):
    gen = get_generator("digits-vae")
    events = []
    ds = drive(gan.sample_map(gen, 40, "cnn", tiny_embedder, batch=16), events.append)
    assert ds.embeddings.shape[0] == 40 and ds.embeddings.shape[1] != 2  # image features, not latents
    assert ds.meta["space"] == "cnn" and ds.meta["latents"].shape == (40, 2)
    assert events and events[-1].done == 40


def test_directions_file_round_trip_and_wrong_size(tmp_path):
    dirs = gan.Directions(["PC1"], np.eye(2, dtype=np.float32)[:1], np.ones(1, np.float32), np.array([0.5]))
    dirs.add("smile", np.array([1.0, 1.0]))
    path = tmp_path / "d.npz"
    gan.save_directions(path, dirs, "key", only_named=True)
    names, vectors, _sigma, key = gan.load_directions(path, 2)
    assert names == ["smile"] and key == "key" and np.isclose(np.linalg.norm(vectors[0]), 1)
    with pytest.raises(UserError, match="2-d latent"):
        gan.load_directions(path, 100)


def test_cli_render_same_seed_same_pixels_and_strip(tmp_path):
    from PIL import Image

    from latentview.app import main

    a, b, s = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "s.png"
    assert main(["gan", "render", "--seed", "11", "--direction", "1", "--amount", "1.5", "-o", str(a)]) == 0
    assert main(["gan", "render", "--seed", "11", "--direction", "1", "--amount", "1.5", "-o", str(b)]) == 0
    pa, pb = np.asarray(Image.open(a)), np.asarray(Image.open(b))
    assert pa.shape == (64, 64, 3) and np.array_equal(pa, pb)
    plain = get_generator("face-dcgan").render(gan.latent_for_seed(11, 100)[None])[0]
    assert np.abs(pa.astype(int) - plain).mean() > 3  # the direction moved it
    assert main(["gan", "strip", "--seed", "11", "--direction", "2", "--steps", "5", "-o", str(s)]) == 0
    assert Image.open(s).size == (5 * 64 + 4 * 2, 64)
    assert main(["gan", "render", "--generator", str(a), "-o", str(b)]) == 1  # a PNG is no generator
