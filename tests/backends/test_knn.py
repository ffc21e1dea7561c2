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


def test_float16_datasets_are_searched_in_place():
    from latentview.backends.knn import HalfPrecisionSearch, best_search
    from latentview.core.neighbors import NeighbourSearch

    rng = np.random.default_rng(6)
    emb = (rng.normal(size=(4_000, 40)) * rng.uniform(0.5, 3, size=(4_000, 1))).astype(np.float16)
    half = best_search(emb)
    assert isinstance(half, HalfPrecisionSearch) and half._inv_norm is not None
    assert half._rows.data_ptr() == emb.ctypes.data  # no copy
    exact = NeighbourSearch(emb.astype(np.float32))
    for i in (3, 1234):
        a, _ = exact.query(i, 10)
        b, _ = half.query(i, 10)
        assert len(set(a) & set(b)) >= 9


def test_pca_of_a_big_float16_set_fits_on_a_sample(monkeypatch):
    from latentview.backends import projectors

    monkeypatch.setattr(projectors, "FIT_SAMPLE", 3_000)
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(20_000, 200)) * np.r_[12, 7, np.geomspace(2, 0.1, 198)]).astype(np.float16)
    got = projectors.pca(x).astype(np.float64)
    c = x.astype(np.float64) - x.astype(np.float64).mean(0)
    _, vecs = np.linalg.eigh(c.T @ c)
    ref = c @ vecs[:, ::-1][:, :2]
    for i in range(2):
        assert abs(np.corrcoef(got[:, i], ref[:, i])[0, 1]) > 0.999
    unit = projectors.pca(x, 5, unit_rows=True)  # cosine geometry without a normalised copy
    assert unit.shape == (20_000, 5) and np.isfinite(unit).all()
