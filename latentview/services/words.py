"""Word-space pipelines: open vectors (background, progress, cancel), build the map's dataset,
neighbours and analogies with unknown-word suggestions, word-pair axes, and selection export.
"""

from __future__ import annotations

import csv
import os
import re
import threading
import time

import numpy as np

from latentview.backends import words as backend
from latentview.backends.words import VECTOR_SUFFIXES, LoadCancelled, LoadTracker, WordSpace  # noqa: F401 (for qt)
from latentview.core.atomic import atomic_path
from latentview.core.dataset import Dataset
from latentview.core.errors import UserError
from latentview.core.neighbors import normalize
from latentview.core.progress import Log, Progress, RateMeter
from latentview.core.textsafe import csv_cell

DEFAULT_N = 20_000
N_STEPS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
ADDED = "added (outside the top N)"
BANDS = ((1_000, "top 1k"), (5_000, "1k–5k"), (20_000, "5k–20k"), (None, "beyond 20k"))
LABEL_ORDER = [name for _, name in BANDS] + [ADDED]  # legend order (Dataset.label_codes)


class UnknownWordError(UserError):
    def __init__(self, word: str, space: WordSpace):
        self.word = word
        self.suggestions = space.suggest(word)
        hint = f" Did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"“{word}” is not in the vocabulary of {space.name}.{hint}")


# --- loading ------------------------------------------------------------------------------------
def open_space(
    path: str | None = None, trusted: bool | str = False, use_cache: bool = True, ask: bool = False
):
    """Generator: yields Progress while a reader thread parses the file; returns a WordSpace.

    A gensim pickle (.kv / .model) opens only with `trusted` (True: --trust-code; a digest: the
    window's "yes", see services/trust_store.py); with `ask`, a file not yet trusted returns a
    `TrustNeeded` for the window to ask about instead of an error. The reader runs in a helper thread
    that checks the cancel flag inside its read loop; closing this generator (the task runner's
    cancel) sets it and waits at most a second.
    """
    from latentview.backends import trust_store

    label = backend.BUILTIN_NAME if path is None else os.path.basename(path)
    tracker = LoadTracker()
    box: dict = {}

    def load(ok: bool):
        return backend.load_space(path, tracker, trusted=ok, use_cache=use_cache)

    def work() -> None:
        try:
            box["space"] = load(False) if path is None else trust_store.load_or_ask(load, path, trusted, ask)
        except BaseException as exc:
            box["error"] = exc

    t0 = time.perf_counter()
    thread = threading.Thread(target=work, name="latentview-words-load", daemon=True)
    thread.start()
    meter = None
    try:
        yield Progress(0, 0, f"Opening {label}")
        while thread.is_alive():
            thread.join(0.1)
            if tracker.total and tracker.done < tracker.total:
                meter = meter or RateMeter(tracker.total)
                yield meter.update(tracker.done, f"Reading {label}", "words")
            else:
                yield Progress(0, 0, f"Indexing {label}" if tracker.total else f"Opening {label}")
    finally:
        if thread.is_alive():
            tracker.cancelled = True
            thread.join(1.0)  # the reader checks the flag every few thousand words; never wait longer
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, LoadCancelled):
            raise UserError(f"Loading {label} was cancelled.")
        raise exc
    space = box["space"]
    if isinstance(space, trust_store.TrustNeeded):
        return space
    space.load_seconds = time.perf_counter() - t0
    yield from _loaded_logs(space, tracker, label)
    return space


def _loaded_logs(space: WordSpace, tracker: LoadTracker, label: str):
    """The log lines of a finished load: how long and from where, and the words the reader skipped."""
    how = "from cache" if space.cached else space.format
    yield Log(f"Loaded {space.describe()} in {space.load_seconds:.1f} s ({how})", "info")
    if tracker.skipped:
        yield Log(
            f"Skipped {tracker.skipped:,} words of {label} whose vectors hold NaN or infinity", "warning"
        )
    if tracker.duplicates:
        yield Log(
            f"Skipped {tracker.duplicates:,} repeated words of {label} (the first vector is kept)", "info"
        )


# --- the map's dataset --------------------------------------------------------------------------
def band_label(rank: int) -> str:
    for limit, name in BANDS:
        if limit is None or rank < limit:
            return name
    return BANDS[-1][1]


def word_dataset(space: WordSpace, n: int = DEFAULT_N, extra_ids=()) -> Dataset:
    """The N most frequent alphabetic words, plus `extra_ids` (vocabulary indices) marked as added."""
    base = space.display_ids[: max(1, int(n))]
    have = set(base.tolist())
    extra = [int(i) for i in dict.fromkeys(int(i) for i in extra_ids) if int(i) not in have]
    ids = np.concatenate([base, np.asarray(extra, dtype=np.int64)]).astype(np.int64)
    words = [space.words[i] for i in ids]
    labels = [band_label(r) for r in range(len(base))] + [ADDED] * len(extra)
    return Dataset(kind="words", items=words, labels=labels, embeddings=space.vectors_of(ids),
                   source=space.source, model=space.name,
                   meta={"vocab_ids": ids, "top_n": len(base), "space": space, "label_order": LABEL_ORDER,
                         "preview_rows": np.arange(min(len(ids), 1_000))})  # fmt: skip


def extend_dataset(ds: Dataset, space: WordSpace, new_ids) -> Dataset:
    """The same dataset with more words appended (rows keep their indices), marked as added."""
    new_ids = np.asarray(new_ids, dtype=np.int64)
    return ds.extended([space.words[i] for i in new_ids], [ADDED] * len(new_ids), space.vectors_of(new_ids),
                       vocab_ids=np.concatenate([ds.meta["vocab_ids"], new_ids]))  # fmt: skip


def place_near(unit_base: np.ndarray, coords: np.ndarray, vectors: np.ndarray, k: int = 5) -> np.ndarray:
    """2-D spots for new words on a non-linear map (core.rows.place on their nearest mapped words)."""
    from latentview.core.rows import AddedRows, nearest_rows, place

    idx, sims = nearest_rows(unit_base, vectors, k)
    return place(coords, AddedRows(len(unit_base), idx, sims))


# --- topics: clusters of a word map ---------------------------------------------------------------
def topic_count(n: int) -> int:
    """k for a word map: ~√N/7 (1k words → 6, 5k → 10, 20k → 20, 100k → 24) — enough topics to find
    one's way, few enough that every name can be read."""
    return int(min(24, max(6, round(np.sqrt(n) / 7))))


def topic_name(
    items: list[str], unit: np.ndarray, members: np.ndarray, n_words: int = 3, pool: int = 40
) -> str:
    """A cluster's name: of the `pool` members nearest its centroid, the `n_words` most frequent (rows
    are in frequency order), so 'team, game, season' rather than 'finals, scoring, match'."""
    centroid = unit[members].mean(axis=0)
    sims = unit[members] @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    near = members[np.argsort(-sims, kind="stable")[:pool]]
    return ", ".join(items[i] for i in np.sort(near)[:n_words])


def cluster_words(dataset: Dataset, k: int | None = None, seed: int = 0):
    """Generator for the runner: topics of a word map by k-means on unit vectors (cosine geometry).

    Why not HDBSCAN: word vectors have no density gaps at this scale — it finds two clusters
    ('because, even, but') and noise, and its fallback k=50 piles boxes over the map. k-means with k
    scaled to N gives a moderate number of topics that each read as one ('police, killed, forces')."""
    from latentview.backends import clustering as backend
    from latentview.core.clusters import Clustering

    t0 = time.perf_counter()
    k = k or topic_count(len(dataset))
    yield Progress(0, 2, f"Clustering: {k} topics among {len(dataset):,} words (k-means)", unit="steps")
    unit = normalize(dataset.embeddings)
    labels = backend.relabel_by_size(backend.kmeans_fit(unit, k, seed))
    yield Progress(1, 2, "Clustering: naming topics", unit="steps")
    names = [
        topic_name(dataset.items, unit, np.flatnonzero(labels == c)) for c in range(int(labels.max()) + 1)
    ]
    return Clustering(
        labels, names, "kmeans", {"k": k, "on": "word vectors (cosine)"}, time.perf_counter() - t0
    )


# --- queries ------------------------------------------------------------------------------------
def resolve(space: WordSpace, word: str) -> str:
    """The vocabulary's spelling of `word` (case-insensitive fallback) or UnknownWordError."""
    i = space.find(word)
    if i is None:
        raise UnknownWordError(word.strip(), space)
    return space.words[i]


def neighbours(space: WordSpace, word: str, k: int = 10) -> list[tuple[str, float]]:
    return space.neighbours(resolve(space, word), k)


def parse_analogy(text: str) -> tuple[list[str], list[str]]:
    """'king - man + woman' → (['king', 'woman'], ['man']); 'king man woman' means the same."""
    text = text.replace("−", "-").strip()
    tokens = re.findall(r"[+-]|[^\s+-]+(?:-[^\s+-]+)*", text)
    if tokens and all(t not in "+-" for t in tokens):
        if len(tokens) != 3:
            raise UserError("Write an analogy as ‘king - man + woman’ (or three words: king man woman).")
        return [tokens[0], tokens[2]], [tokens[1]]
    positive, negative, sign = [], [], "+"
    for t in tokens:
        if t in "+-":
            sign = t
            continue
        (positive if sign == "+" else negative).append(t)
        sign = "+"
    if not positive:
        raise UserError("An analogy needs at least one word to add, as in ‘king - man + woman’.")
    return positive, negative


def analogy(space: WordSpace, positive: list[str], negative: list[str], k: int = 10,
            method: str = "add") -> list[tuple[str, float]]:  # fmt: skip
    pos = [resolve(space, w) for w in positive]
    neg = [resolve(space, w) for w in negative]
    return space.analogy(pos, neg, k, method)


def as_task(fn, *args, message: str = "", **kwargs):
    """Wrap a quick call as a task generator (so it runs off the GUI thread on the task runner)."""
    yield Progress(0, 0, message)
    return fn(*args, **kwargs)


# --- word-pair axes -----------------------------------------------------------------------------
def axis_direction(space: WordSpace, pair: tuple[str, str]) -> np.ndarray:
    a, b = (space.kv.get_vector(resolve(space, w), norm=True) for w in pair)
    d = (b - a).astype(np.float32)
    n = float(np.linalg.norm(d))
    if n < 1e-9:
        raise UserError(f"“{pair[0]}” and “{pair[1]}” have the same vector, so they give no direction.")
    return d / n


def axes_coords(embeddings: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Each word's cosine-normalised vector projected on each unit direction (the Embedding
    Projector's custom projection): x = how far along man→woman, y = along bad→good."""
    return normalize(embeddings) @ np.asarray(directions, dtype=np.float32).T


# --- export -------------------------------------------------------------------------------------
def export_words(path: str, words: list[str], labels: list[str], coords: np.ndarray | None) -> int:
    """CSV (word, label, x, y) or TXT (one word per line), chosen by the extension."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".txt", ".csv"):
        raise UserError(f"Cannot export to ‘{ext or path}’: choose a .csv or .txt file name.")
    with atomic_path(path) as tmp:
        if ext == ".txt":
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                fh.writelines(w + "\n" for w in words)
        else:
            xy = np.full((len(words), 2), np.nan) if coords is None else np.asarray(coords, dtype=np.float64)
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["word", "label", "x", "y"])
                for word, label, x, y in zip(words, labels, xy[:, 0].tolist(), xy[:, 1].tolist()):
                    w.writerow([csv_cell(word), csv_cell(label), x, y])
    return len(words)
