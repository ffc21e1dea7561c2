"""The export-and-check step that build.spec runs (backends/prebuilt.py), without building the bundle:
a matching export passes, a mismatching one fails and leaves no file, and the shipped ONNX models run
the built-in encoder, its stages, its class head and the generators with torch unimportable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from latentview.backends import generators, prebuilt


def _tiny():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.ReLU(), torch.nn.Linear(12, 4)).eval()


def test_min_cosine_counts_rows_and_zero_rows():
    a = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    assert prebuilt.min_cosine(a, a) == pytest.approx(1.0)
    assert prebuilt.min_cosine(a, a * [[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]) == pytest.approx(0.0)
    assert prebuilt.min_cosine(a, a[:, :1]) == -1.0  # shapes differ: never a match


def test_a_matching_export_passes(tmp_path):
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    prebuilt.export_checked(_tiny(), x, tmp_path / "ok.onnx", ["y"])
    assert (tmp_path / "ok.onnx").stat().st_size > 0


def test_a_mismatching_export_fails_and_leaves_no_file(tmp_path):
    model = _tiny()
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    with pytest.raises(prebuilt.ExportMismatch, match="differs from torch"):
        prebuilt.export_checked(model, x, tmp_path / "bad.onnx", ["y"], reference=lambda t: -model(t))
    assert not (tmp_path / "bad.onnx").exists()


def test_one_bad_output_of_two_fails(tmp_path):
    class Two(torch.nn.Module):
        def forward(self, z):
            return z * 2, z + 1

    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    with pytest.raises(prebuilt.ExportMismatch, match="'second'"):
        prebuilt.export_checked(Two(), x, tmp_path / "two.onnx", ["first", "second"],
                                reference=lambda t: (t * 2, -t))  # fmt: skip


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The real export of the built-in encoder and the digits generator (the face one is the same code)."""
    out = tmp_path_factory.mktemp("onnx")
    prebuilt.export_encoder("efficientnet-lite0", out)
    prebuilt.export_generator("digits-vae", out)
    return out


def test_shipped_generator_equals_torch(shipped, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_PREBUILT_DIR", str(shipped))
    onnx_gen = prebuilt.load_generator("digits-vae")
    torch_gen = generators.GENERATORS["digits-vae"].build()
    assert onnx_gen.key == torch_gen.key and onnx_gen.nz == torch_gen.nz
    assert onnx_gen.image_size == torch_gen.image_size == 8
    z = np.random.default_rng(3).standard_normal((7, onnx_gen.nz)).astype(np.float32)
    assert np.abs(onnx_gen.render(z).astype(int) - torch_gen.render(z)).max() <= 1
    assert prebuilt.min_cosine(onnx_gen.features(z), torch_gen.features(z)) > 0.9999
    assert prebuilt.load_generator("face-dcgan") is None  # not exported here: the caller falls back
    assert json.loads((shipped / "efficientnet-lite0-v1.json").read_text())["head"].endswith(".npz")


def test_without_torch_the_shipped_models_run_and_torch_features_say_why(shipped, tmp_path):
    """What the frozen app does: torch cannot be imported at all."""
    code = textwrap.dedent(
        """
        import sys

        class NoTorch:  # `import torch` raises ImportError, as in the bundle
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "torchvision"):
                    raise ImportError(f"No module named {name!r}")

        sys.meta_path.insert(0, NoTorch())
        import numpy as np
        from latentview.backends import embedders, generators
        from latentview.core.errors import UserError
        from latentview.services import gan
        from latentview.services.runner import drive
        enc = embedders.get_embedder("efficientnet-lite0")
        imgs = np.random.default_rng(0).integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)
        feats = enc.embed(imgs)
        top = enc.classify(feats, 3)
        stage = embedders.get_embedder("efficientnet-lite0#stage4").embed(imgs)
        g = generators.get_generator("digits-vae")
        d = drive(gan.compute_directions(g, n_samples=300, k=2, use_cache=False))
        img = g.render(gan.along_direction(gan.latent_for_seed(7, g.nz), d.vectors[0], [2.0]))
        try:
            embedders.get_embedder("resnet18")
            print("resnet18 loaded")
        except UserError as exc:
            print("refused:", exc)
        print("shapes", feats.shape, stage.shape, img.shape, len(top[0]), "torch" in sys.modules)
        """
    )
    env = {**os.environ, "LATENTVIEW_PREBUILT_DIR": str(shipped), "LATENTVIEW_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "refused: ResNet-18 (a torchvision model) needs torch" in out.stdout
    assert "shapes (2, 1280) (2, 80) (1, 8, 8, 3) 3 False" in out.stdout
