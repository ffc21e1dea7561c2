import numpy as np


def test_half_precision_search_finds_the_float32_neighbours():
    from latentview.backends.knn import HalfPrecisionSearch
    from latentview.core.neighbors import NeighbourSearch

    rng = np.random.default_rng(5)
    emb = rng.normal(size=(3_000, 48)).astype(np.float32)
    exact, half = NeighbourSearch(emb), HalfPrecisionSearch(emb)
    for i in (0, 17, 2999):
        a, da = exact.query(i, 10)
        b, db = half.query(i, 10)
        assert i not in b
        assert len(set(a) & set(b)) >= 9
        assert np.allclose(da[:5], db[:5], atol=2e-3)
