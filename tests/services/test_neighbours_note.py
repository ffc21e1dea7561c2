"""The Inspector's neighbours title says when they come from an approximate index, and how approximate."""

from types import SimpleNamespace

import numpy as np

from latentview.backends import ann
from latentview.services.neighbours import approximate_note


def test_note_names_the_estimated_share_of_true_neighbours():
    assert approximate_note(None) == ""
    assert approximate_note(SimpleNamespace()) == ""  # exact searches have no estimate
    assert approximate_note(SimpleNamespace(recall_estimate=1.0)) == ""
    note = approximate_note(SimpleNamespace(recall_estimate=0.962))
    assert "approximate" in note and "96%" in note


def test_note_from_a_real_index_with_too_few_probes():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(300, 32)).astype(np.float32)
    x = (c[rng.integers(0, 300, 5_000)] + rng.normal(size=(5_000, 32))).astype(np.float16)
    search = ann.IVFSearch(x, nlist=32, nprobe=1, background=False)
    assert "approximate" in approximate_note(search)
