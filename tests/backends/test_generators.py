"""Generator registry and file loading: determinism, supported formats, and refusing pickles."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from latentview.backends import generators as G  # noqa: E402
from latentview.services.gan import latent_for_seed  # noqa: E402


def small_dcgan(nz: int = 16, ngf: int = 8):
    from torch import nn

    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=False), nn.Tanh(),
    ).eval()  # fmt: skip


def test_face_generator_same_seed_same_pixels():
    gen = G.get_generator("face-dcgan")
    assert (gen.nz, gen.image_size) == (100, 64)
    z = latent_for_seed(7, gen.nz)
    a, b = gen.render(z[None]), gen.render(np.stack([z, latent_for_seed(8, gen.nz)]))
    assert a.shape == (1, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a[0], b[0])  # batch composition does not change the pixels
    assert np.abs(a[0].astype(int) - b[1]).mean() > 10  # another seed, another face
    assert a.std() > 20  # a real image, not a flat field


def test_digits_generator_is_ours_and_small():
    gen = G.get_generator("digits-vae")
    assert gen.nz == 2 and gen.image_size == 8
    assert G.DIGITS_WEIGHTS.stat().st_size < 400_000
    img = gen.render(np.zeros((1, 2), np.float32))[0]
    assert img.max() > 150 and img.min() < 60  # a bright stroke on a dark ground


def test_pickle_with_payload_is_refused(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name, save in (("raw.pt", lambda p: p.write_bytes(pickle.dumps({"w": Payload()}))),
                       ("torch.pt", lambda p: torch.save({"w": Payload()}, p))):  # fmt: skip
        path = tmp_path / name
        save(path)
        with pytest.raises(G.GeneratorLoadError, match="never unpickles"):
            G.load_generator_file(path)
        assert not marker.exists()


def test_files_that_are_not_generators_get_a_sentence(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(G.GeneratorLoadError, match="not a generator"):
        G.load_generator_file(text)
    linear = tmp_path / "linear.pt"
    torch.save(torch.nn.Linear(3, 4).state_dict(), linear)
    with pytest.raises(G.GeneratorLoadError, match="DCGAN"):
        G.load_generator_file(linear)
    with pytest.raises(G.GeneratorLoadError, match="does not exist"):
        G.load_generator_file(tmp_path / "missing.pt")


def test_state_dict_checkpoint_and_safetensors_load(tmp_path):
    from safetensors.torch import save_file

    model = small_dcgan()
    z = latent_for_seed(3, 16)
    with torch.no_grad():
        expected = ((model(torch.from_numpy(z).view(1, 16, 1, 1)) + 1) * 127.5).round().clamp(0, 255)
    expected = expected[0].permute(1, 2, 0).to(torch.uint8).numpy()
    ckpt = tmp_path / "ckpt.pth"
    torch.save({"netG_state_dict": {f"module.main.{k}": v for k, v in model.state_dict().items()}}, ckpt)
    st = tmp_path / "g.safetensors"
    save_file({f"main.{k}": v.contiguous() for k, v in model.state_dict().items()}, st)
    for path in (ckpt, st):
        gen = G.load_generator_file(path)
        assert (gen.nz, gen.image_size) == (16, 16)
        assert np.array_equal(gen.render(z[None])[0], expected)
        assert gen.features(z[None]).shape == (1, 32 * 4 * 4)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_torchscript_generator_latent_size_is_read(tmp_path):
    path = tmp_path / "g.ts"
    torch.jit.trace(small_dcgan(nz=12), torch.zeros(1, 12, 1, 1)).save(str(path))
    with pytest.raises(G.CodeTrustRequired, match="can run code"):
        G.load_generator_file(path)  # a program: never without consent
    gen = G.load_generator_file(path, trusted=True)  # runs in a child process
    try:
        assert gen.nz == 12 and gen.image_size == 16
        z = latent_for_seed(1, 12)[None]
        img = gen.render(z)
        assert img.shape == (1, 16, 16, 3)
        here = G.load_torchscript_here(str(path), "g.ts", None, "")
        assert np.array_equal(img, here.render(z))  # the same pixels as in-process
        assert gen._proc.pid != __import__("os").getpid()
    finally:
        gen.close()
