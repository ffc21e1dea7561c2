"""Built-in models exported to ONNX at build time and shipped inside the desktop bundle, so the frozen
app runs the built-in encoder (and its stages), its class head and the built-in generators without torch.

`export_all` (called by build.spec) writes them, each checked against torch on a fixed batch: every output
must reach cosine ≥ 0.999 per row, or the export raises ExportMismatch and the build fails. At run time
`folder()` is the bundle's `latentview_onnx/` (or $LATENTVIEW_PREBUILT_DIR); the Python install has none
and keeps using torch (and its own ONNX export in the user cache) as before.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from latentview.core.errors import UserError

MIN_COSINE = 0.999
FOLDER_NAME = "latentview_onnx"
ENCODERS = ["efficientnet-lite0"]
GENERATORS = ["face-dcgan", "digits-vae"]


class ExportMismatch(RuntimeError):
    """An ONNX export whose outputs differ from torch's on the check batch."""


def require_torch(what: str):
    """torch, or a one-sentence UserError naming `what` when this is the desktop bundle (no torch)."""
    try:
        import torch
    except ImportError:
        raise UserError(
            f"{what} needs torch, which the desktop bundle leaves out to stay small: use the Python "
            "install (pip install latentview) for it."
        ) from None
    return torch


def folder() -> Path | None:
    """Where shipped ONNX models are, or None (the Python install)."""
    env = os.environ.get("LATENTVIEW_PREBUILT_DIR")
    if env:
        path = Path(env)
    elif getattr(sys, "frozen", False):
        path = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / FOLDER_NAME
    else:
        return None
    return path if path.is_dir() else None


# --- the check ----------------------------------------------------------------------------------------
def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest per-row cosine of two batches (rows that are zero in both count as equal)."""
    a = np.asarray(a, np.float64).reshape(len(a), -1)
    b = np.asarray(b, np.float64).reshape(len(b), -1)
    if a.shape != b.shape:
        return -1.0
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = (a * b).sum(1) / np.maximum(na * nb, 1e-30)
    cos[(na < 1e-12) & (nb < 1e-12)] = 1.0
    return float(cos.min())


def export_checked(module, inputs: np.ndarray, path: Path, output_names: list[str], reference=None) -> None:
    """Export `module` (one input "x", batch axis dynamic) to `path`, run it on ONNX Runtime and compare
    each output with `reference(inputs)` (default: the module itself in torch). Raises ExportMismatch
    (and removes the file) when any output's cosine is below MIN_COSINE."""
    import onnxruntime as ort
    import torch

    path = Path(path)
    x = torch.from_numpy(np.ascontiguousarray(inputs, np.float32))
    axes = {"x": {0: "batch"}, **{n: {0: "batch"} for n in output_names}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x[:1],), str(path), input_names=["x"], output_names=output_names,
                          dynamic_axes=axes, dynamo=False, opset_version=17)  # fmt: skip
    with torch.inference_mode():
        want = (reference or module)(x)
    want = [want] if isinstance(want, torch.Tensor) else list(want)
    so = ort.SessionOptions()
    so.log_severity_level = 3
    got = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})
    for name, g, w in zip(output_names, got, want):
        cos = min_cosine(g, w.float().numpy())
        if cos < MIN_COSINE:
            path.unlink(missing_ok=True)
            raise ExportMismatch(f"{path.name}: ONNX output '{name}' differs from torch (cosine {cos:.4f})")
        print(f"prebuilt: {path.name} '{name}' matches torch (min cosine {cos:.6f})")


# --- exporting (build time, with torch) -------------------------------------------------------------
def export_encoder(name: str, out: Path) -> None:
    """The trunk (input "x": normalised NCHW, output "features"), its metadata and its linear head."""
    from latentview.backends import embedders, onnx_runtime

    model = embedders.get_embedder(name, "torch")
    size = model.input_size
    probe = np.random.default_rng(0).integers(0, 256, (8, size, size, 3), dtype=np.uint8)
    x = model.preprocess(probe).contiguous().numpy()
    stem = f"{name}-v{onnx_runtime.EXPORT_VERSION}"
    export_checked(model._trunk, x, out / f"{stem}.onnx", ["features"])
    meta = {"input_size": size, "mean": model._mean.flatten().tolist(), "std": model._std.flatten().tolist(),
            "categories": model.categories}  # fmt: skip
    head = model._head
    if head is not None and hasattr(head, "weight") and hasattr(head, "bias"):
        np.savez(
            out / f"{stem}-head.npz", weight=head.weight.detach().numpy(), bias=head.bias.detach().numpy()
        )
        meta["head"] = f"{stem}-head.npz"
    (out / f"{stem}.json").write_text(json.dumps(meta))


def export_generator(name: str, out: Path) -> None:
    """Input "x" (B, nz) latents; outputs "image" (the raw module output) and "features" (GANSpace's)."""
    import torch

    from latentview.backends import generators

    gen = generators.GENERATORS[name].build()

    class Both(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.module = gen._module

        def forward(self, z):
            lat = z if gen._flat else z[:, :, None, None]
            return self.module(lat), gen._features(lat).flatten(1)

    z = np.random.default_rng(0).standard_normal((16, gen.nz)).astype(np.float32)
    export_checked(Both().eval(), z, out / f"{name}.onnx", ["image", "features"])
    meta = {"title": gen.title, "nz": gen.nz, "key": gen.key, "licence": gen.licence, "tanh": gen._tanh}
    (out / f"{name}.json").write_text(json.dumps(meta))


def export_all(out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ENCODERS:
        export_encoder(name, out)
    for name in GENERATORS:
        export_generator(name, out)
    return out


# --- running (any time, without torch) ----------------------------------------------------------------
def load_encoder(name: str, torch_loader):
    """The shipped ONNX encoder `name`, or None when this install ships none."""
    from latentview.backends import onnx_runtime

    base = folder()
    if base is None:
        return None
    stem = f"{name}-v{onnx_runtime.EXPORT_VERSION}"
    onnx_file, meta_file = base / f"{stem}.onnx", base / f"{stem}.json"
    if not (onnx_file.exists() and meta_file.exists()):
        return None
    meta = json.loads(meta_file.read_text())
    head = base / meta["head"] if meta.get("head") else None
    return onnx_runtime.OnnxEmbedder(name, onnx_file, meta, torch_loader, head=head)


def linear_top(features: np.ndarray, head_file: Path, categories: list[str], top: int):
    """Top classes of a linear head stored as weight/bias (softmax in numpy, as torch does)."""
    with np.load(head_file, allow_pickle=False) as f:
        w, b = f["weight"], f["bias"]
    logits = np.asarray(features, np.float32) @ w.T + b
    logits -= logits.max(1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(1, keepdims=True)
    idx = np.argsort(-probs, axis=1, kind="stable")[:, :top]
    return [[(categories[j], float(p[j])) for j in row] for row, p in zip(idx, probs)]


class OnnxGenerator:
    """A built-in generator on ONNX Runtime: the same interface and key as generators.Generator."""

    def __init__(self, name: str, onnx_file: Path, meta: dict):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        self._session = ort.InferenceSession(str(onnx_file), so, providers=["CPUExecutionProvider"])
        self.name, self.title, self.nz = name, meta["title"], int(meta["nz"])
        self.key, self.licence, self._tanh = (
            meta["key"],
            meta.get("licence", ""),
            bool(meta.get("tanh", True)),
        )
        self.image_size = self.render(np.zeros((1, self.nz), np.float32)).shape[1]

    def _run(self, z: np.ndarray, output: str) -> np.ndarray:
        x = np.ascontiguousarray(z, dtype=np.float32).reshape(len(z), self.nz)
        return self._session.run([output], {"x": x})[0]

    def render(self, z: np.ndarray) -> np.ndarray:
        x = self._run(z, "image").astype(np.float32)
        x = (x + 1.0) * 127.5 if self._tanh else x * 255.0
        img = np.clip(x, 0, 255).round().astype(np.uint8).transpose(0, 2, 3, 1)
        return np.repeat(img, 3, axis=3) if img.shape[3] == 1 else img[..., :3]

    def features(self, z: np.ndarray) -> np.ndarray:
        return self._run(z, "features").reshape(len(z), -1).astype(np.float32, copy=False)


def load_generator(name: str) -> OnnxGenerator | None:
    base = folder()
    if base is None or not (base / f"{name}.onnx").exists():
        return None
    return OnnxGenerator(name, base / f"{name}.onnx", json.loads((base / f"{name}.json").read_text()))
