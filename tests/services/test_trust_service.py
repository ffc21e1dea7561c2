"""The trust service against scikit-learn's trustworthiness and a brute-force recall (cosine space)."""

import numpy as np
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latentview.services import trust as trust_mod
from latentview.services.runner import drive


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_recall_and_trustworthiness_match_independent_computations():
    rng = np.random.default_rng(5)
    emb = rng.normal(size=(120, 30)).astype(np.float32)
    coords = emb[:, :2] * 3 + rng.normal(size=(120, 2))
    k = 8
    res = drive(trust_mod.compute_trust(emb, coords, k))
    u = _unit(emb.astype(np.float64))
    dh = ((u[:, None] - u[None]) ** 2).sum(-1)
    dl = ((coords[:, None] - coords[None]) ** 2).sum(-1)
    np.fill_diagonal(dh, np.inf)
    np.fill_diagonal(dl, np.inf)
    hi, lo = np.argsort(dh, 1)[:, :k], np.argsort(dl, 1)[:, :k]
    recall = np.array([len(set(a) & set(b)) / k for a, b in zip(hi, lo)])
    assert res.exact and res.k == k
    assert np.allclose(res.recall, recall)
    assert abs(res.trustworthiness - sk_trustworthiness(u, coords, n_neighbors=k)) < 1e-6
    assert np.array_equal(np.sort(res.high_knn, 1), np.sort(hi, 1))


def test_large_maps_estimate_and_say_so(monkeypatch):
    monkeypatch.setattr(trust_mod, "EXACT_LIMIT", 100)
    monkeypatch.setattr(trust_mod, "TRUST_SAMPLE", 80)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(300, 60)).astype(np.float32)
    logs = []
    res = drive(trust_mod.compute_trust(emb, emb[:, :2], 5), None, None, logs.append)
    assert not res.exact and logs and "PCA-50" in logs[0].message
    assert res.recall.shape == (300,) and 0 <= res.trustworthiness <= 1
