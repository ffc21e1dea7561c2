"""Word-space services on the real built-in GloVe 6B 50d: neighbours, analogies, the map's dataset,
word-pair axes, placement of added words, analogy parsing and selection export."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from latentview.core.errors import UserError
from latentview.services import words as svc
from latentview.services.runner import drive


@pytest.fixture(scope="module")
def glove():
    logs = []
    space = drive(svc.open_space(None), on_log=logs.append)
    assert logs and "400,000 words" in logs[0].message
    return space


def test_builtin_vectors_are_the_real_glove(glove):
    assert len(glove) == 400_000 and glove.dim == 50
    near = [w for w, _ in svc.neighbours(glove, "toilet", 5)]
    assert "bathroom" in near and "toilets" in near
    assert [w for w, _ in svc.neighbours(glove, "coffee", 5)][:3] != []
    assert "tea" in [w for w, _ in svc.neighbours(glove, "coffee", 10)]


@pytest.mark.parametrize("method", ["add", "mul"])
def test_classic_analogies(glove, method):
    assert svc.analogy(glove, ["king", "woman"], ["man"], 3, method)[0][0] == "queen"
    assert svc.analogy(glove, ["paris", "germany"], ["france"], 3, method)[0][0] == "berlin"
    score = svc.analogy(glove, ["king", "woman"], ["man"], 1, method)[0][1]
    assert 0.5 < score <= 1.0


def test_unknown_word_suggests_close_spellings(glove):
    with pytest.raises(svc.UnknownWordError) as err:
        svc.neighbours(glove, "toilett")
    assert "toilet" in err.value.suggestions
    assert "Did you mean" in str(err.value) and "\n" not in str(err.value)
    assert svc.resolve(glove, "Toilet") == "toilet"  # case-insensitive fallback


def test_prefix_completion_is_frequency_ranked(glove):
    out = glove.complete("bathr")
    assert out[0] == "bathroom" and all(w.startswith("bathr") for w in out)
    assert len(glove.complete("a", limit=15)) == 15
    assert glove.complete("   ") == []


def test_dataset_is_the_alphabetic_top_n_plus_marked_extras(glove):
    toilet = glove.find("toilet")
    ds = svc.word_dataset(glove, 1000, extra_ids=[toilet, glove.find("the")])
    assert len(ds) == 1001 and ds.kind == "words"
    assert all(w.isalpha() for w in ds.items)
    assert ds.items[:3] == ["the", "of", "to"]  # frequency order, punctuation dropped
    assert ds.items[-1] == "toilet" and ds.labels[-1] == svc.ADDED
    assert ds.labels[0] == svc.band_label(0) != svc.band_label(4999)
    np.testing.assert_array_equal(ds.embeddings[-1], glove.kv.vectors[toilet])
    more = svc.extend_dataset(ds, glove, [glove.find("bathtub")])
    assert more.items[:-1] == ds.items and more.items[-1] == "bathtub"
    assert list(more.meta["vocab_ids"][-2:]) == [toilet, glove.find("bathtub")]


def test_axes_put_words_along_the_chosen_directions(glove):
    ds = svc.word_dataset(glove, 20_000)
    dirs = np.stack([svc.axis_direction(glove, ("man", "woman")), svc.axis_direction(glove, ("bad", "good"))])
    xy = svc.axes_coords(ds.embeddings, dirs)
    row = {w: i for i, w in enumerate(ds.items)}
    assert xy[row["woman"], 0] > xy[row["man"], 0]
    assert xy[row["queen"], 0] > xy[row["king"], 0]
    assert xy[row["she"], 0] > xy[row["he"], 0]
    assert xy[row["good"], 1] > xy[row["bad"], 1]
    assert xy[row["excellent"], 1] > xy[row["terrible"], 1]
    with pytest.raises(UserError):
        svc.axis_direction(glove, ("man", "man"))


def test_added_words_land_near_their_neighbours():
    rng = np.random.default_rng(0)
    centres = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    emb = np.repeat(centres, 20, axis=0) + rng.normal(scale=0.05, size=(60, 3)).astype(np.float32)
    coords = np.repeat(np.array([[0, 0], [10, 0], [0, 10]], float), 20, axis=0)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    spot = svc.place_near(unit, coords, np.array([[0.02, 1.0, 0.01]], np.float32))
    assert np.linalg.norm(spot[0] - [10, 0]) < 1.0


@pytest.mark.parametrize(
    "text, pos, neg",
    [
        ("king - man + woman", ["king", "woman"], ["man"]),
        ("king − man + woman", ["king", "woman"], ["man"]),
        ("king man woman", ["king", "woman"], ["man"]),
        ("paris -france +germany", ["paris", "germany"], ["france"]),
        ("x-ray - bone", ["x-ray"], ["bone"]),
    ],
)
def test_parse_analogy(text, pos, neg):
    assert svc.parse_analogy(text) == (pos, neg)


@pytest.mark.parametrize("text", ["", "king queen", "- man"])
def test_parse_analogy_refuses_nonsense(text):
    with pytest.raises(UserError):
        svc.parse_analogy(text)


def test_export_csv_and_txt(tmp_path):
    words, labels = ["toilet", "bathroom", "naïve"], ["a", "b", "c"]
    xy = np.array([[0.5, 1.0], [2.0, -1.0], [0.0, 0.0]])
    assert svc.export_words(str(tmp_path / "w.csv"), words, labels, xy) == 3
    rows = list(csv.reader(open(tmp_path / "w.csv", encoding="utf-8")))
    assert rows[0] == ["word", "label", "x", "y"] and rows[1] == ["toilet", "a", "0.5", "1.0"]
    assert rows[3][0] == "naïve"
    svc.export_words(str(tmp_path / "w.txt"), words, labels, None)
    assert (tmp_path / "w.txt").read_text(encoding="utf-8").splitlines() == words
    with pytest.raises(UserError, match=r"csv or \.txt"):
        svc.export_words(str(tmp_path / "w.xlsx"), words, labels, xy)


def test_word_topics_are_few_readable_and_coherent(glove):
    """k-means topics instead of HDBSCAN's two blobs: k from N, names of frequent words, and words of
    one topic together (real GloVe, top 5,000)."""
    assert [svc.topic_count(n) for n in (1_000, 5_000, 20_000, 100_000)] == [6, 10, 20, 24]
    ds = svc.word_dataset(glove, 5_000)
    c = drive(svc.cluster_words(ds))
    assert len(c) == 10 and c.n_noise == 0 and c.sizes().min() > 50
    assert all(len(name.split(", ")) == 3 for name in c.names)
    label = {w: c.labels[ds.items.index(w)] for w in ("football", "basketball", "soccer", "police", "army")}
    assert label["football"] == label["basketball"] == label["soccer"] != label["police"]
    sport = c.names[label["football"]].split(", ")
    assert all(ds.items.index(w) < 1_500 for w in sport)  # named by frequent words, not rare ones


def test_umap_preview_lays_out_the_first_rows_and_places_the_rest(glove, monkeypatch):
    from latentview.backends import projectors
    from latentview.services import projection

    ds = svc.word_dataset(glove, 600)
    calls = []
    monkeypatch.setattr(projectors, "umap", lambda x, **kw: calls.append((len(x), kw)) or projectors.pca(x))
    monkeypatch.setattr(projection, "PREVIEW_ABOVE", 500)
    monkeypatch.setattr(projection, "PREVIEW_ROWS", 200)
    parts = []
    final = drive(projection.project(ds.embeddings, projectors.ProjectionParams("umap"), np.arange(200)),
                  on_partial=parts.append)  # fmt: skip
    assert [p.label for p in parts] == ["pca", "umap preview"]
    assert calls[0][0] == 200 and calls[0][1]["n_epochs"] == 200  # the 200 most frequent words first
    assert calls[1][0] == 600  # then the full UMAP
    preview = parts[1].value
    laid = projectors.pca(ds.embeddings[:200])  # the stand-in layout, its outer 0.5 % pulled in
    assert np.corrcoef(preview[:200, 0], laid[:, 0])[0, 1] > 0.98
    assert final.shape == (600, 2) and np.isfinite(preview).all()
    # a placed word sits nearer its nearest laid-out word than words typically are to each other
    from latentview.core.neighbors import normalize

    unit = normalize(ds.embeddings)
    nearest = np.argmax(unit[200:] @ unit[:200].T, axis=1)
    gap = np.linalg.norm(preview[200:] - preview[nearest], axis=1)
    typical = np.linalg.norm(preview[200:] - preview[np.random.default_rng(0).integers(0, 200, 400)], axis=1)
    assert np.median(gap) < 0.5 * np.median(typical)
