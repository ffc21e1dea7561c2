"""kNN recall and trustworthiness against independent computations (brute force, scikit-learn)."""

import numpy as np
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latentview.core.trust import knn_brute, knn_recall, trustworthiness


def _data(n=150, d=20, seed=0):
    rng = np.random.default_rng(seed)
    high = rng.normal(size=(n, d)).astype(np.float32)
    low = high[:, :2] + 0.5 * rng.normal(size=(n, 2)).astype(np.float32)
    return high, low


def _brute_knn(x, k):
    d = ((x[:, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_knn_brute_matches_full_distance_matrix():
    high, _ = _data()
    got = knn_brute(high, 7, block=33)
    assert np.array_equal(np.sort(got, 1), np.sort(_brute_knn(high, 7), 1))


def test_recall_is_the_overlap_fraction():
    high, low = _data()
    h, lo = _brute_knn(high, 10), _brute_knn(low, 10)
    expected = np.array([len(set(a) & set(b)) / 10 for a, b in zip(h, lo)])
    got = knn_recall(h, lo)
    assert np.allclose(got, expected)
    assert 0 < got.mean() < 1  # neither perfect nor random, so the comparison means something
    assert np.allclose(knn_recall(h, h), 1.0)


def test_trustworthiness_equals_sklearn():
    high, low = _data()
    for k in (5, 12):
        ours = trustworthiness(high, _brute_knn(low, k), k, block=40)
        theirs = sk_trustworthiness(high, low, n_neighbors=k)
        assert abs(ours - theirs) < 1e-9
    # a sample of all the rows is the exact value; a random half is close to it
    k = 5
    full = trustworthiness(high, _brute_knn(low, k), k)
    rows = np.sort(np.random.default_rng(1).choice(len(high), 75, replace=False))
    est = trustworthiness(high, _brute_knn(low, k)[rows], k, rows)
    assert abs(est - full) < 0.05
