"""Run image encoders on ONNX Runtime: exported once from torch into the user cache, then loaded
without importing torch at all (faster start, 3–10× faster inference on CPU than torch eager).

The export is verified against torch on a random batch (cosine ≥ 0.999) before it is kept.
"""

from __future__ import annotations

import json
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core import atomic

EXPORT_VERSION = 1


def model_paths(name: str) -> tuple[Path, Path]:
    folder = cache_dir() / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-v{EXPORT_VERSION}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def export_pending(name: str) -> bool:
    """True when loading `name` will export it to ONNX first (no shipped model, nothing in the cache):
    tens of seconds, once, that the user should hear about."""
    from latentview.backends import prebuilt

    base = prebuilt.folder()
    stem = f"{name}-v{EXPORT_VERSION}"
    if base is not None and (base / f"{stem}.onnx").exists():
        return False
    folder = cache_dir() / "onnx"
    return not ((folder / f"{stem}.onnx").exists() and (folder / f"{stem}.json").exists())


class OnnxEmbedder:
    runtime = "onnxruntime"

    def __init__(
        self, name: str, onnx_file: Path, meta: dict, torch_loader: Callable, head: Path | None = None
    ):
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
        self._head = head  # the linear class head as weight/bias (the desktop bundle: no torch)
        self._lock = threading.Lock()  # the session is built once even when two threads embed at once

    def set_threads(self, n: int) -> None:
        with self._lock:
            if n != self._threads or self._session is None:
                self._threads = n
                self._session = None

    def _sess(self):
        with self._lock:
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
        """The classification head is tiny: numpy when shipped as weights, else torch, loaded only when asked."""
        if self._head is not None:
            from latentview.backends import prebuilt

            return prebuilt.linear_top(features, self._head, self.categories, top)
        return self._torch_loader().classify(features, top)


def _to_stderr(message: str) -> None:
    print(f"latentview: {message}", file=sys.stderr)


def load_or_export(name: str, torch_loader: Callable,
                   note: Callable[[str], None] = _to_stderr) -> OnnxEmbedder | None:  # fmt: skip
    """None when ONNX Runtime is missing or the export fails (the caller falls back to torch).

    Each fallback is told to `note` with its reason, one sentence, for the user's log."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        note(f"{name} runs on torch: ONNX Runtime is not installed (slower, same embeddings).")
        return None
    from latentview.backends import prebuilt

    try:
        shipped = prebuilt.load_encoder(name, torch_loader)
    except Exception as exc:
        note(f"The shipped ONNX model of {name} could not be read ({_why(exc)}).")
        shipped = None
    if shipped is not None:
        return shipped
    try:
        onnx_file, meta_file = model_paths(name)
    except OSError as exc:
        note(f"{name} runs on torch: the ONNX cache folder cannot be used ({exc.strerror or exc}).")
        return None
    if onnx_file.exists() and meta_file.exists():
        try:
            return OnnxEmbedder(name, onnx_file, json.loads(meta_file.read_text()), torch_loader)
        except Exception as exc:  # a damaged cache file: export again
            note(f"The ONNX export of {name} was damaged ({_why(exc)}); exporting it again.")
    try:
        return _export(name, torch_loader, onnx_file, meta_file)
    except Exception as exc:  # fall back to torch, which always works
        note(f"{name} runs on torch, not ONNX Runtime: the ONNX export failed ({_why(exc)}).")
        return None


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def _export(name: str, torch_loader: Callable, onnx_file: Path, meta_file: Path) -> OnnxEmbedder:
    model = torch_loader()
    with atomic.atomic_path(onnx_file) as tmp:  # a unique temp name: two exporters never collide
        meta = _export_to(model, tmp, torch_loader, name)
    atomic.write_text(meta_file, json.dumps(meta))
    return OnnxEmbedder(name, onnx_file, meta, torch_loader)


def _export_to(model, tmp: str, torch_loader: Callable, name: str) -> dict:
    """Export the trunk to `tmp` and check it against torch; returns the metadata to keep beside it."""
    import torch

    size = model.input_size
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
        raise RuntimeError(f"ONNX output differs from torch (cosine {cos.min():.4f})")
    return meta
