"""A table's text column → sentence vectors (all-MiniLM-L6-v2), cached by the text's content hash, so
reopening the table (or another table with the same texts) embeds nothing again."""

from __future__ import annotations

import hashlib

import numpy as np

from latentview.backends.table_columns import read_scalars
from latentview.core.progress import Progress, RateMeter

BATCH = 64


def _key(text: str) -> tuple[bytes, int, int]:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest(), len(text), 0


def embed_texts(texts: list[str], use_cache: bool = True):
    """Generator: yields Progress; returns (N, 384) float32 unit vectors, one per text."""
    from latentview.backends.cache import EmbeddingCache
    from latentview.backends.sentence import DIM, MODEL_NAME, get_model

    unique = list(dict.fromkeys(texts))
    vectors: dict[str, np.ndarray] = {}
    cache = EmbeddingCache() if use_cache else None
    try:
        if cache is not None:
            keys = {t: _key(t) for t in unique}
            hits = cache.lookup(MODEL_NAME, list(keys.values()))
            for t in unique:
                entry = hits.get(keys[t][0])
                if entry is not None and entry.embedding is not None:
                    vectors[t] = entry.embedding
        todo = [t for t in unique if t not in vectors]
        if todo:
            yield Progress(len(vectors), len(unique), f"Loading the sentence model {MODEL_NAME}")
            model = get_model()
            meter = RateMeter(len(unique), start_done=len(vectors))
            for start in range(0, len(todo), BATCH):
                batch = todo[start : start + BATCH]
                emb = model.embed(batch)
                vectors.update(zip(batch, emb))
                if cache is not None:
                    cache.store(MODEL_NAME, [(_key(t), e, None) for t, e in zip(batch, emb)])
                yield meter.update(len(unique) - len(todo) + start + len(batch), "Embedding texts", "texts")
    finally:
        if cache is not None:
            cache.close()
    out = np.empty((len(texts), DIM), np.float32)
    for i, t in enumerate(texts):
        out[i] = vectors[t]
    return out


def embed_column(src, column: str):
    """Generator: the texts of `column` of an opened table, embedded (empty cells embed as '')."""
    texts = [str(t) for t in read_scalars(src, [column])[column]]
    return (yield from embed_texts(texts))
