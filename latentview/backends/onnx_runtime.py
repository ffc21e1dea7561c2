"""Run image encoders on ONNX Runtime: exported once from torch into the user cache, then loaded
without importing torch at all (faster start, 3–10× faster inference on CPU than torch eager).

The export is verified against torch on a random batch (cosine ≥ 0.999) before it is kept.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir

EXPORT_VERSION = 1


def model_paths(name: str) -> tuple[Path, Path]:
    folder = cache_dir() / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-v{EXPORT_VERSION}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


class OnnxEmbedder:
    runtime = "onnxruntime"

    def __init__(self, name: str, onnx_file: Path, meta: dict, torch_loader: Callable):
        import onnxruntime as ort

        self.name = name
        self.input_size = int(meta["input_size"])
        self.categories = list(meta["categories"])
        self._mean = np.asarray(meta["mean"], np.float32).reshape(1, 3, 1, 1)
        self._inv_std = 1.0 / np.asarray(meta["std"], np.float32).reshape(1, 3, 1, 1)
        self._file = str(onnx_file)
        self._ort = ort
        self._threads = 1
        self._session = None
        self._torch_loader = torch_loader

    def set_threads(self, n: int) -> None:
        if n != self._threads or self._session is None:
            self._threads = n
            self._session = None

    def _sess(self):
        if self._session is None:
            so = self._ort.SessionOptions()
            so.intra_op_num_threads = self._threads
            so.inter_op_num_threads = 1
            so.log_severity_level = 3
            self._session = self._ort.InferenceSession(self._file, so, providers=["CPUExecutionProvider"])
        return self._session

    def preprocess(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images, np.float32).transpose(0, 3, 1, 2)
        return np.ascontiguousarray((x - self._mean) * self._inv_std)

    def embed(self, images: np.ndarray) -> np.ndarray:
        out = self._sess().run(None, {"x": self.preprocess(images)})[0]
        return out.reshape(len(images), -1).astype(np.float32, copy=False)

    def classify(self, features: np.ndarray, top: int = 5):
        """The classification head is tiny: run it in torch, loaded only when asked."""
        return self._torch_loader().classify(features, top)


def load_or_export(name: str, torch_loader: Callable) -> OnnxEmbedder | None:
    """None when ONNX Runtime is missing or the export fails (the caller falls back to torch)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    onnx_file, meta_file = model_paths(name)
    if onnx_file.exists() and meta_file.exists():
        try:
            return OnnxEmbedder(name, onnx_file, json.loads(meta_file.read_text()), torch_loader)
        except Exception as exc:  # a damaged cache file: export again
            print(f"latentview: re-exporting {name} to ONNX ({exc})", file=sys.stderr)
    try:
        return _export(name, torch_loader, onnx_file, meta_file)
    except Exception as exc:  # fall back to torch, which always works
        print(f"latentview: ONNX export of {name} failed, using torch ({exc})", file=sys.stderr)
        return None


def _export(name: str, torch_loader: Callable, onnx_file: Path, meta_file: Path) -> OnnxEmbedder:
    import torch

    model = torch_loader()
    size = model.input_size
    tmp = onnx_file.with_suffix(f".{os.getpid()}.tmp")
    dummy = torch.zeros(1, 3, size, size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model._trunk, (dummy,), str(tmp), input_names=["x"], output_names=["features"],
            dynamic_axes={"x": {0: "batch"}, "features": {0: "batch"}}, dynamo=False, opset_version=17,
        )  # fmt: skip
    meta = {
        "input_size": size,
        "mean": model._mean.flatten().tolist(),
        "std": model._std.flatten().tolist(),
        "categories": model.categories,
        "torch": torch.__version__,
    }
    candidate = OnnxEmbedder(name, tmp, meta, torch_loader)
    probe = np.random.default_rng(0).integers(0, 256, (4, size, size, 3), dtype=np.uint8)
    a, b = candidate.embed(probe), model.embed(probe)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    if float(cos.min()) < 0.999:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"ONNX output differs from torch (cosine {cos.min():.4f})")
    os.replace(tmp, onnx_file)
    meta_file.write_text(json.dumps(meta))
    return OnnxEmbedder(name, onnx_file, meta, torch_loader)
