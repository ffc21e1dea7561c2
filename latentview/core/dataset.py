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

    def label_codes(self) -> tuple[np.ndarray, list[str]]:
        """Integer code per item and the sorted label names, for colouring and legends. Cached (a pass
        over a million labels takes a few hundred ms); recomputed if rows were added."""
        cached = self.__dict__.get("_label_codes")
        if cached is not None and cached[0] is self.labels and len(cached[1]) == len(self.labels):
            return cached[1], list(cached[2])
        names = sorted(set(self.labels))
        lookup = {n: i for i, n in enumerate(names)}
        codes = np.fromiter((lookup[v] for v in self.labels), dtype=np.int32, count=len(self))
        codes.flags.writeable = False
        self.__dict__["_label_codes"] = (self.labels, codes, names)
        return codes, list(names)
