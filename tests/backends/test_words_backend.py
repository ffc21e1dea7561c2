"""Word-vector files: every supported format from files written here, malformed files refused with one
sentence, the pickle (.kv) guard, the reload cache, and cancelling a load mid-file."""

from __future__ import annotations

import gzip
import threading

import numpy as np
import pytest

from latentview.backends import words as backend
from latentview.backends.words import LoadTracker, WordVectorsError, detect_format, load_space
from latentview.core.errors import CodeTrustRequired, UserError
from latentview.core.progress import Progress
from latentview.services.words import open_space

WORDS = ["alpha", "beta", "gamma", "delta", "épée", "zeta", "eta", "theta", "iota", "kappa", "x-ray", "42"]


@pytest.fixture
def vectors() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(len(WORDS), 8)).astype(np.float32)


def _text_lines(vectors, trailing=""):
    return [w + " " + " ".join(f"{x:.6f}" for x in v) + trailing + "\n" for w, v in zip(WORDS, vectors)]


def _write(tmp_path, name: str, vectors) -> str:
    path = tmp_path / name
    if name.endswith(".bin"):
        backend.keyed_vectors(WORDS, vectors).save_word2vec_format(str(path), binary=True)
    elif name.startswith("w2v"):
        backend.keyed_vectors(WORDS, vectors).save_word2vec_format(str(path), binary=False)
    elif name.startswith("glove"):
        data = "".join(_text_lines(vectors)).encode()
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    elif name.endswith(".vec"):  # fastText: header, and a space before every newline
        path.write_text(f"{len(WORDS)} 8\n" + "".join(_text_lines(vectors, " ")), encoding="utf-8")
    elif name.endswith(".kv"):
        backend.keyed_vectors(WORDS, vectors).save(str(path))
    return str(path)


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("vectors.bin", "word2vec-bin"),
        ("w2v.txt", "word2vec-text"),
        ("glove.txt", "glove-text"),
        ("glove.txt.gz", "glove-text"),
        ("wiki.en.vec", "word2vec-text"),
        ("model.kv", "kv"),
    ],
)
def test_every_format_loads_the_same_vectors(tmp_path, vectors, name, fmt):
    path = _write(tmp_path, name, vectors)
    assert detect_format(path) == fmt
    space = load_space(path, LoadTracker(), trusted=True, use_cache=False)
    assert space.words == WORDS
    np.testing.assert_allclose(np.asarray(space.kv.vectors), vectors, atol=1e-5)
    assert space.format == fmt
    # alphabetic words only on the map ("x-ray" and "42" are not)
    assert [space.words[i] for i in space.display_ids] == [w for w in WORDS if w.isalpha()]
    assert space.find("ALPHA") == 0 and space.find("nope") is None


def test_pickle_kv_needs_the_users_own_choice(tmp_path, vectors):
    path = _write(tmp_path, "model.kv", vectors)
    with pytest.raises(CodeTrustRequired, match="can run code"):
        load_space(path, LoadTracker(), trusted=False)


def _sentence(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    assert text[:1].isupper() or text[:1] in "“‘", text
    assert text.endswith((".", "?")), text
    return text


@pytest.mark.parametrize(
    "content, expect",
    [
        (b"", "is empty"),
        (b"\x00\x01\x02garbage\xff\xfe" * 50, "not a word-vectors file"),
        (b"hello world this is prose\nnot vectors at all\n", "not a word-vectors file"),
        (b"3 4\nfoo 1 2 3 4\nbar 1 2 3 4\n", "truncated"),  # header promises 3 words, 2 present
        (b"foo 1 2 3 4\nbar 1 2 3\n", "malformed"),  # GloVe line with a missing number
        (b"foo 1 2 3 4\nbar 1 2 x 4\n", "malformed"),
        (b"999999 300\nfoo 1 2 3\n", "truncated"),  # a header that would allocate gigabytes
    ],
)
def test_malformed_text_is_refused_in_one_sentence(tmp_path, content, expect):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(WordVectorsError) as err:
        load_space(str(path), LoadTracker(), use_cache=False)
    assert expect in _sentence(err.value)


def test_truncated_binary_and_garbage_kv_are_refused(tmp_path, vectors):
    good = tmp_path / "vectors.bin"
    _write(tmp_path, "vectors.bin", vectors)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(WordVectorsError, match="truncated") as err:
        load_space(str(cut), LoadTracker(), use_cache=False)
    _sentence(err.value)
    fake = tmp_path / "fake.kv"
    fake.write_bytes(b"not a pickle at all")
    with pytest.raises(WordVectorsError, match="not a readable gensim") as err:
        load_space(str(fake), LoadTracker(), trusted=True)
    _sentence(err.value)
    with pytest.raises(WordVectorsError, match="does not exist"):
        load_space(str(tmp_path / "missing.bin"), LoadTracker())


def test_second_open_reads_the_cache(tmp_path, vectors, fresh_cache, monkeypatch):
    monkeypatch.setattr(backend, "CACHE_MIN_SECONDS", 0.0)
    path = _write(tmp_path, "glove.txt", vectors)
    first = load_space(path, LoadTracker())
    second = load_space(path, LoadTracker())
    assert not first.cached and second.cached
    assert second.words == WORDS
    np.testing.assert_allclose(np.asarray(second.kv.vectors), vectors, atol=1e-5)
    # a changed file is read again, not served stale from the cache
    (tmp_path / "glove.txt").write_text("".join(_text_lines(vectors[::-1])), encoding="utf-8")
    third = load_space(path, LoadTracker())
    assert not third.cached
    np.testing.assert_allclose(np.asarray(third.kv.vectors), vectors[::-1], atol=1e-5)


def test_cancel_stops_the_reader_thread(monkeypatch):
    """Closing the generator (the runner's cancel) stops the reading thread at its next word.

    gensim's parser holds the GIL for long stretches, so a real file makes the timing of progress
    events arbitrary; a stand-in reader makes the protocol itself deterministic."""
    started, stopped = threading.Event(), threading.Event()

    def slow_reader(path, tracker, trusted=False, use_cache=True):
        tracker.total = 10**9
        started.set()
        while True:
            if tracker.cancelled:
                stopped.set()
                raise backend.LoadCancelled()
            tracker.done += 1
            stopped.wait(0.001)

    monkeypatch.setattr(backend, "load_space", slow_reader)
    gen = open_space("big.txt", use_cache=False)
    events = [next(gen)]
    assert started.wait(10)
    events += [next(gen), next(gen)]
    assert all(isinstance(e, Progress) for e in events)
    assert any(e.total and 0 <= e.done < e.total for e in events[1:])  # reading, with a count
    gen.close()
    assert stopped.is_set()
    assert not any(t.name == "latentview-words-load" for t in threading.enumerate())


def test_real_reader_honours_the_cancel_flag(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("".join(f"w{i} {i} {i + 1} {i + 2}\n" for i in range(100)), encoding="utf-8")
    tracker = LoadTracker(cancelled=True)
    with pytest.raises(backend.LoadCancelled):
        backend.read_keyed_vectors(str(path), "glove-text", tracker)


def test_user_errors_are_user_errors():
    assert issubclass(WordVectorsError, UserError)
