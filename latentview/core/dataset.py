"""A dataset is a set of items with one embedding each; images, words and GAN samples alike."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Failure:
    """An input that could not be used, with a one-line reason for the user."""

    item: str
    reason: str


@dataclass(eq=False)  # identity semantics: hashable, usable as a weak key
class Dataset:
    kind: str  # "images" | "words" | "gan"
    items: list[str]  # file paths, words, or sample ids
    labels: list[str]  # one per item: sub-folder, frequency band, ...
    embeddings: np.ndarray  # (N, D) float32, the full space
    source: str = ""  # folder, vectors file, generator
    model: str = ""
    failures: list[Failure] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.items) != len(self.labels) or len(self.items) != len(self.embeddings):
            raise ValueError("items, labels and embeddings must have the same length")

    def __len__(self) -> int:
        return len(self.items)

    def extended(self, items: list[str], labels: list[str], embeddings: np.ndarray, **meta) -> Dataset:
        """A new dataset with rows appended (existing rows keep their indices); `meta` entries replace
        the old ones (e.g. a per-row array that grew with the rows)."""
        emb = np.asarray(embeddings, dtype=self.embeddings.dtype).reshape(len(items), -1)
        return Dataset(self.kind, self.items + list(items), self.labels + list(labels),
                       np.vstack([self.embeddings, emb]), source=self.source, model=self.model,
                       failures=self.failures, meta={**self.meta, **meta})  # fmt: skip

    def label_codes(self) -> tuple[np.ndarray, list[str]]:
        """Integer code per item and the label names, for colouring and legends: in the order of
        meta['label_order'] when given (e.g. frequency bands), the rest sorted. Cached (a pass over a
        million labels takes a few hundred ms); recomputed if the labels change or rows were added."""
        wanted = tuple(self.meta.get("label_order", ()))
        cached = self.__dict__.get("_label_codes")
        if (cached is not None and cached[0] is self.labels and len(cached[1]) == len(self.labels)
                and cached[3] == wanted):  # fmt: skip
            return cached[1], list(cached[2])
        present = set(self.labels)
        order = [n for n in wanted if n in present]
        names = order + sorted(present.difference(order))
        lookup = {n: i for i, n in enumerate(names)}
        codes = np.fromiter((lookup[v] for v in self.labels), dtype=np.int32, count=len(self))
        codes.flags.writeable = False
        self.__dict__["_label_codes"] = (self.labels, codes, names, wanted)
        return codes, list(names)
