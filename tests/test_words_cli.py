"""`latentview words neighbors|analogy`: ranked words with scores, unknown words refused with suggestions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from latentview.app import main


def test_neighbors_on_the_builtin_vectors(capsys):
    assert main(["words", "neighbors", "toilet", "-k", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("nearest to toilet") and len(lines) == 6
    assert "bathroom" in " ".join(lines[1:])
    word, score = lines[1].split()[1:]
    assert word == "toilets" and 0.5 < float(score) < 1.0


def test_analogy_prints_queen_first(capsys):
    assert main(["words", "analogy", "king", "man", "woman", "-k", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1] == "queen"
    assert main(["words", "analogy", "king", "man", "woman", "--cosmul"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1] == "queen"


def test_unknown_word_is_a_clear_error(capsys):
    assert main(["words", "neighbors", "toilett"]) == 1
    err = capsys.readouterr().err
    assert "not in the vocabulary" in err and "Did you mean toilet" in err


def test_own_vectors_file_and_a_bad_one(tmp_path, capsys):
    from latentview.backends.words import keyed_vectors

    words = ["cat", "dog", "car", "bus"]
    vecs = np.array([[1, 0.1, 0], [0.9, 0.2, 0], [0, 0.1, 1], [0, 0.2, 0.9]], np.float32)
    path = tmp_path / "pets.bin"
    keyed_vectors(words, vecs).save_word2vec_format(str(path), binary=True)
    assert main(["words", "neighbours", "cat", "--vectors", str(path), "-k", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1] == "dog"
    (tmp_path / "bad.txt").write_text("just some prose\n")
    assert main(["words", "neighbors", "cat", "--vectors", str(tmp_path / "bad.txt")]) == 1
    assert "not a word-vectors file" in capsys.readouterr().err


def test_entry_point_in_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "latentview", "words", "analogy", "paris", "france", "germany",
                          "-k", "1"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].split()[1] == "berlin"
