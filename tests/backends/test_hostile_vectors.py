"""Hostile and broken word-vector files (issue 10): a pickle never runs from a file not named .kv or
.model, nor from those without consent; zero-filled bodies, endless lines, NaN rows and a header that
disagrees with its rows are refused or skipped with a sentence; Cancel returns within a second."""

from __future__ import annotations

import bz2
import gzip
import os
import pickle
import time

import numpy as np
import pytest

from latentview import app
from latentview.backends import trust_store
from latentview.backends import words as backend
from latentview.backends.words import LoadTracker, WordVectorsError, load_space
from latentview.core.errors import CodeTrustRequired
from latentview.services.runner import drive
from latentview.services.words import open_space

NAMES = ["evil.txt", "evil.vec", "evil.bin", "evil.vec.gz", "evil.txt.bz2"]


class Payload:
    """Unpickling this creates `marker`: proof that code from the file ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _pickle_file(tmp_path, name: str) -> tuple[str, str]:
    marker = str(tmp_path / f"ran-{name}")
    data = pickle.dumps(Payload(marker), protocol=4)
    assert data[:1] == b"\x80"
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".bz2"):
        data = bz2.compress(data)
    path = tmp_path / name
    path.write_bytes(data)
    return str(path), marker


@pytest.mark.parametrize("name", NAMES)
def test_a_pickle_under_a_vectors_name_never_runs(tmp_path, name, capsys):
    path, marker = _pickle_file(tmp_path, name)
    for trusted in (False, True):  # not even with consent: the name says it is not a pickle
        with pytest.raises(WordVectorsError, match="not a word-vectors file"):
            load_space(path, LoadTracker(), trusted=trusted, use_cache=False)
    code = app.main(["words", "neighbors", "x", "--vectors", path, "--trust-code"])
    assert code == 1 and "not a word-vectors file" in capsys.readouterr().err
    assert not os.path.exists(marker)


@pytest.mark.parametrize("name", ["evil.kv", "evil.model"])
def test_a_kv_pickle_runs_only_with_consent(tmp_path, name, capsys):
    path, marker = _pickle_file(tmp_path, name)
    with pytest.raises(CodeTrustRequired):
        load_space(path, LoadTracker(), use_cache=False)
    assert app.main(["words", "neighbors", "x", "--vectors", path]) == 1
    err = capsys.readouterr().err
    assert "can run code" in err and "--trust-code" in err
    assert drive(open_space(path, ask=True)).path == path  # the window's path: a question, not a load
    assert not os.path.exists(marker)
    assert app.main(["words", "neighbors", "x", "--vectors", path, "--trust-code"]) == 1
    assert os.path.exists(marker)  # with --trust-code it is opened (and this one runs its payload)


def test_the_trust_store_remembers_a_confirmed_file_by_its_content(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_CONFIG_DIR", str(tmp_path / "config"))
    vecs = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    path = str(tmp_path / "good.kv")
    backend.keyed_vectors(["a", "b", "c"], vecs).save(path)
    need = drive(open_space(path, ask=True))
    assert isinstance(need, trust_store.TrustNeeded) and need.kind == "gensim pickle"
    space = drive(open_space(path, trusted=need.digest, ask=True))  # the user said yes
    assert space.words == ["a", "b", "c"]
    assert drive(open_space(path, ask=True)).words == ["a", "b", "c"]  # not asked again
    assert (tmp_path / "config" / trust_store.STORE_NAME).exists()
    with open(path, "ab") as fh:  # a changed file is asked about again
        fh.write(b"\0")
    assert isinstance(drive(open_space(path, ask=True)), trust_store.TrustNeeded)
    with pytest.raises(Exception, match="changed after you agreed"):
        drive(open_space(path, trusted=need.digest, ask=True))


def test_zero_filled_binary_is_refused_at_once(tmp_path):
    count, dim = 3_000_000, 300
    path = tmp_path / "GoogleNews.bin"
    with open(path, "wb") as fh:
        fh.write(f"{count} {dim}\n".encode())
        fh.truncate(count * (4 * dim + 2) + 20)  # sparse: what a preallocating downloader leaves
    t0 = time.perf_counter()
    with pytest.raises(WordVectorsError, match="zero bytes"):
        load_space(str(path), LoadTracker(), use_cache=False)
    assert time.perf_counter() - t0 < 1.0
    # zeros after some good words: the word-length bound stops it
    kv = backend.keyed_vectors(["a", "b"], np.ones((2, 4), np.float32))
    kv.save_word2vec_format(str(path), binary=True)
    raw = path.read_bytes().replace(b"2 4\n", b"9 4\n", 1)
    path.write_bytes(raw + b"\0" * 20_000)
    with pytest.raises(WordVectorsError, match="zero-filled"):
        load_space(str(path), LoadTracker(), use_cache=False)


def test_an_endless_line_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "MAX_LINE", 10_000)
    monkeypatch.setattr(backend, "CHUNK", 4096)
    path = tmp_path / "glove.txt"
    path.write_bytes(b"a 1 2\n" + b"b" * 50_000 + b" 1 2\n")
    with pytest.raises(WordVectorsError, match="longer than"):
        load_space(str(path), LoadTracker(), use_cache=False)


def test_non_finite_rows_are_skipped_and_counted(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("a 1 2\nb nan 2\nc 1 inf\nd 3 4\na 9 9\n", encoding="utf-8")
    gen = open_space(str(path), use_cache=False)
    logs = []
    space = drive(gen, None, None, logs.append)
    assert space.words == ["a", "d"]
    assert np.isfinite(space.kv.vectors).all()
    assert any("Skipped 2 words" in e.message for e in logs)
    assert any("1 repeated" in e.message for e in logs)


def test_header_and_rows_that_disagree_are_refused(tmp_path):
    path = tmp_path / "w2v.txt"
    path.write_text("2 2\nfoo 1 2 3\nbar 1 2 3\n", encoding="utf-8")
    with pytest.raises(WordVectorsError, match="line 2 has 3 numbers but the header says 2"):
        load_space(str(path), LoadTracker(), use_cache=False)
    path = tmp_path / "glove.txt"
    path.write_text("foo 1 2 3\nbar 1 2\n", encoding="utf-8")
    with pytest.raises(WordVectorsError, match="line 2 has 2 numbers but the first line has 3"):
        load_space(str(path), LoadTracker(), use_cache=False)


def test_cancel_returns_within_a_second_on_a_real_file(tmp_path):
    path = tmp_path / "big.txt"
    rng = np.random.default_rng(0)
    row = " ".join(f"{x:.4f}" for x in rng.normal(size=50))
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(60_000):
            fh.write(f"w{i} {row}\n")
    gen = open_space(str(path), use_cache=False)
    next(gen)
    next(gen)
    t0 = time.perf_counter()
    gen.close()
    assert time.perf_counter() - t0 < 1.0
