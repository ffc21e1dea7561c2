"""Encoders beyond the built-in list: the user's own ONNX image models (any tensor of the graph as the
layer), TorchScript files (code: only once trusted), and raw pixels, the baseline layer that shows what
a network adds.

An encoder is named by one string, its *reference*: a built-in name or a model file's path, with
`#layer` appended for anything but the default layer. That string travels through ingest, datasets and
sessions unchanged; `cache_id` turns it into the embedding-cache key (content hash + preprocessing +
layer for files, so an edited file or another layer never reads stale vectors).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field

import numpy as np

from latentview.backends import onnx_graph
from latentview.backends.paths import config_dir
from latentview.core.errors import UserError

RAW_PIXELS = "raw-pixels"
RAW_SIZE = 32
ONNX_SUFFIXES = (".onnx",)
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript", ".jit")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class CodeNotTrusted(UserError):
    """A code-carrying model file that the user has not agreed to run."""


# --- references ------------------------------------------------------------------------------------
def make_ref(model: str, layer: str | None = None) -> str:
    return f"{model}#{layer}" if layer else model


def split_ref(ref: str) -> tuple[str, str | None]:
    """(model, layer or None). A file path that itself contains '#' is kept whole."""
    if "#" not in ref or os.path.isfile(ref):
        return ref, None
    model, _, layer = ref.rpartition("#")
    return model, layer or None


def file_kind(model: str) -> str | None:
    """ "onnx" or "torchscript" by file name (verified by content when loaded), else None."""
    low = model.lower()
    if low.endswith(ONNX_SUFFIXES):
        return "onnx"
    if low.endswith(TORCHSCRIPT_SUFFIXES):
        return "torchscript"
    return None


# --- preprocessing ---------------------------------------------------------------------------------
@dataclass
class Preprocessing:
    """How pixels become the model's input: resize to size×size, channel order, (x/255 − mean) / std."""

    size: int = 224
    order: str = "RGB"
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD

    def key(self) -> str:
        text = json.dumps([self.size, self.order, [round(float(v), 6) for v in (*self.mean, *self.std)]])
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def apply(self, images: np.ndarray, layout: str = "NCHW") -> np.ndarray:
        """uint8 (B, H, W, 3) → float32 in the model's layout."""
        x = np.asarray(images, np.float32)
        if self.order == "BGR":
            x = x[..., ::-1]
        scale = 1.0 / (255.0 * np.asarray(self.std, np.float32))
        x = x * scale - np.asarray(self.mean, np.float32) / np.asarray(self.std, np.float32)
        if layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x, np.float32)


_PROP_KEYS = {
    "size": ("input_size", "image_size", "size"),
    "order": ("channel_order", "color_order", "colour_order", "channels"),
    "mean": ("mean", "image_mean", "norm_mean"),
    "std": ("std", "image_std", "norm_std"),
}


def parse_triple(text: str) -> tuple[float, float, float]:
    """One or three per-channel numbers ("0.5", "0.485, 0.456, 0.406", "[124, 116, 104]" in 0–255 is
    rescaled to 0–1); ValueError for any other count."""
    vals = [float(v) for v in text.replace("[", "").replace("]", "").replace(",", " ").split()]
    vals = vals * 3 if len(vals) == 1 else vals
    if len(vals) != 3:
        raise ValueError(text)
    return tuple(v / 255.0 if max(vals) > 1.0 else v for v in vals)  # 0–255 values given: rescale


def preprocessing_from_props(props: dict, graph_size: int | None) -> tuple[Preprocessing, list[str]]:
    """Preprocessing read from the model's metadata props, and the fields that were not there (the
    app asks for those; defaults: ImageNet mean/std, RGB, the graph's spatial size or 224)."""
    low = {k.lower(): v for k, v in props.items()}
    found: dict = {}
    for field_, keys in _PROP_KEYS.items():
        text = next((low[k] for k in keys if k in low), None)
        if text is None:
            continue
        try:
            if field_ == "size":
                found["size"] = int(str(text).replace("x", " ").replace(",", " ").split()[-1])
            elif field_ == "order":
                order = str(text).strip().upper()
                if order in ("RGB", "BGR"):
                    found["order"] = order
            else:
                found[field_] = parse_triple(str(text))
        except ValueError:
            continue
    prep = Preprocessing(
        size=found.get("size") or graph_size or 224,
        order=found.get("order", "RGB"),
        mean=found.get("mean", IMAGENET_MEAN),
        std=found.get("std", IMAGENET_STD),
    )
    if graph_size and "size" not in found:
        found["size"] = graph_size  # fixed by the graph: nothing to ask
    return prep, [f for f in ("size", "order", "mean", "std") if f not in found]


# --- embedders -------------------------------------------------------------------------------------
def pool(out: np.ndarray, channels_last: bool = False) -> np.ndarray:
    """One vector per image: feature maps are global-average pooled, token sequences averaged."""
    if out.ndim == 4:
        out = out.mean(axis=(1, 2) if channels_last else (2, 3))
    elif out.ndim == 3:
        out = out.mean(axis=1)
    return np.ascontiguousarray(out.reshape(len(out), -1), np.float32)


class LayerEmbedder:
    """Any tensor of an ONNX image model, run on ONNX Runtime and pooled to one vector per image."""

    runtime = "onnxruntime"
    categories: list[str] = []

    def __init__(self, name: str, model_bytes: bytes, info: onnx_graph.GraphInfo, output: str,
                 prep: Preprocessing):  # fmt: skip
        import onnxruntime as ort

        self.name, self.output, self.prep = name, output, prep
        self.input_size = prep.size
        self._bytes, self._info, self._ort = model_bytes, info, ort
        self._threads, self._session = 1, None

    def set_threads(self, n: int) -> None:
        if n != self._threads or self._session is None:
            self._threads, self._session = n, None

    def _sess(self):
        if self._session is None:
            so = self._ort.SessionOptions()
            so.intra_op_num_threads = self._threads
            so.inter_op_num_threads = 1
            so.log_severity_level = 3
            self._session = self._ort.InferenceSession(self._bytes, so, providers=["CPUExecutionProvider"])
        return self._session

    def embed(self, images: np.ndarray) -> np.ndarray:
        if self._info.raw_uint8:  # the graph normalises its own bytes: only resize and layout apply
            x = np.ascontiguousarray(images[..., ::-1] if self.prep.order == "BGR" else images)
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if self._info.layout == "NCHW" else x
        else:
            x = self.prep.apply(images, self._info.layout)
        sess, feed = self._sess(), self._info.input_name
        if self._info.batch == 1 and len(x) > 1:  # a graph exported for one image at a time
            outs = [sess.run([self.output], {feed: x[i : i + 1]})[0] for i in range(len(x))]
            out = np.concatenate(outs)
        else:
            out = sess.run([self.output], {feed: x})[0]
        return pool(out, onnx_graph.channels_last(out.shape, self._info.layout))

    def classify(self, features: np.ndarray, top: int = 5):
        return [[] for _ in range(len(features))]  # cluster names then come from the folder labels


class RawPixelsEmbedder:
    """The baseline layer: each image resized to 32×32 and flattened (3,072 values in 0–1)."""

    name = RAW_PIXELS
    runtime = "numpy"
    input_size = RAW_SIZE
    categories: list[str] = []

    def set_threads(self, n: int) -> None:
        pass

    def embed(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(images, np.float32).reshape(len(images), -1) / 255.0

    def classify(self, features: np.ndarray, top: int = 5):
        return [[] for _ in range(len(features))]


class TorchScriptEmbedder(LayerEmbedder):
    """A TorchScript image model (code: built only after `trust_code_file`); its output is the layer."""

    runtime = "torch"

    def __init__(self, name: str, module, prep: Preprocessing):
        self.name, self.output, self.prep, self.input_size = name, "output", prep, prep.size
        self._module = module

    def set_threads(self, n: int) -> None:
        import torch

        torch.set_num_threads(n)

    def embed(self, images: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self._module(torch.from_numpy(self.prep.apply(images)))
        out = out[0] if isinstance(out, (tuple, list)) else out
        return pool(out.float().numpy())


# --- content hashes and trust ----------------------------------------------------------------------
_hashes: dict[tuple, str] = {}
_trusted: set[str] = set()


def file_sha256(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        raise UserError(f"Model file not found: {path}") from None
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _hashes[key] = h.hexdigest()
    return _hashes[key]


def trust_code_file(path: str, remember: bool = False) -> None:
    """The user agreed to run this file's code, as it is now (by content): for this run (--trust-code)
    or, from the window's question, remembered in the shared trust store."""
    from latentview.backends import trust_store

    digest = file_sha256(path)
    _trusted.add(digest)
    if remember:
        trust_store.remember(digest, os.path.basename(path))


def is_trusted(path: str) -> bool:
    """The one check behind every code-carrying encoder file: this run's --trust-code or the store."""
    from latentview.backends import trust_store

    digest = file_sha256(path)
    return digest in _trusted or trust_store.is_trusted(digest)


# --- the remembered list of added models (config dir, so the CLI and the window share it) ---------
@dataclass
class OwnModel:
    path: str
    kind: str  # "onnx" | "torchscript"
    prep: Preprocessing = field(default_factory=Preprocessing)
    layer: str | None = None  # the chosen default tensor (None: the graph's default)
    layers: list = field(default_factory=list)  # [name, description] of the graph's candidate tensors

    @property
    def title(self) -> str:
        what = "your ONNX model" if self.kind == "onnx" else "your TorchScript model (code)"
        return f"{os.path.basename(self.path)} ({what})"


def _registry_file():
    return config_dir() / "encoders.json"


def load_registry() -> list[OwnModel]:
    try:
        rows = json.loads(_registry_file().read_text())
        return [OwnModel(r["path"], r["kind"], Preprocessing(**r["prep"]), r.get("layer"), r.get("layers", []))
                for r in rows]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return []  # none yet, or a damaged file: start afresh rather than fail to launch


def remember(model: OwnModel) -> None:
    rows = [m for m in load_registry() if m.path != model.path] + [model]
    data = [{**asdict(m), "prep": asdict(m.prep)} for m in rows]
    tmp = _registry_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, _registry_file())


def find(path: str) -> OwnModel | None:
    return next((m for m in load_registry() if m.path == path), None)


# --- building own models ---------------------------------------------------------------------------
def describe_onnx(path: str) -> tuple[onnx_graph.GraphInfo, Preprocessing, list[str]]:
    """The graph's facts, the preprocessing from its metadata props, and what is missing from them."""
    info = onnx_graph.inspect(onnx_graph.load_model(path))
    prep, missing = preprocessing_from_props(info.props, info.size)
    if info.raw_uint8:  # the graph normalises inside
        missing = [m for m in missing if m not in ("mean", "std")]
    return info, prep, missing


def _prep_for(path: str, kind: str) -> Preprocessing:
    known = find(path)
    if known is not None:
        return known.prep
    if kind == "onnx":
        return describe_onnx(path)[1]
    return Preprocessing()


def own_cache_id(path: str, layer: str | None) -> str:
    """Cache key: kind, content hash, preprocessing and the resolved layer."""
    kind = file_kind(path)
    digest = file_sha256(path)  # first: a missing file is "not found", not "not a model"
    if kind == "torchscript":
        _check_trusted(path)  # asked even when every vector is cached: the answer must not depend on it
    prep = _prep_for(path, kind)
    if kind == "onnx" and not layer:
        known = find(path)
        layer = (known.layer if known else None) or describe_onnx(path)[0].default
    return f"{kind}:{digest[:16]}:{prep.key()}#{layer or 'output'}"


def build_own(path: str, layer: str | None):
    """A loaded encoder for the user's model file at `layer` (None: its default)."""
    kind = file_kind(path)
    if not os.path.isfile(path):
        raise UserError(f"Model file not found: {path}")
    if kind == "torchscript":
        return _build_torchscript(path, layer)
    model = onnx_graph.load_model(path)
    info = onnx_graph.inspect(model)
    known = find(path)
    prep = known.prep if known else preprocessing_from_props(info.props, info.size)[0]
    output = layer or (known.layer if known else None) or info.default
    if info.tensor(output) is None:
        names = ", ".join(t.name for t in info.tensors[-6:])
        raise UserError(f"No tensor '{output}' in {os.path.basename(path)}; its last ones are: {names}.")
    if info.size and info.size != prep.size:
        raise UserError(f"{os.path.basename(path)} takes {info.size}×{info.size} images, not {prep.size}.")
    return LayerEmbedder(make_ref(path, layer), onnx_graph.with_outputs(model, [output]), info, output, prep)


def _check_trusted(path: str) -> None:
    if not is_trusted(path):
        raise CodeNotTrusted(
            f"{os.path.basename(path)} is a TorchScript file, which is a program: it runs only after you "
            "agree to it in the window, or with --trust-code on the command line."
        )


def _build_torchscript(path: str, layer: str | None):
    _check_trusted(path)
    if layer:
        raise UserError("A TorchScript encoder offers only its output as the layer; export to ONNX for more.")
    import warnings

    from latentview.backends.prebuilt import require_torch

    torch = require_torch("A TorchScript encoder")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = torch.jit.load(path, map_location="cpu").eval()
    except Exception as exc:
        raise UserError(
            f"{os.path.basename(path)} is not a TorchScript model ({type(exc).__name__})."
        ) from None
    return TorchScriptEmbedder(path, module, _prep_for(path, "torchscript"))
