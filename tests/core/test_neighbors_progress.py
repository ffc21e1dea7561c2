import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.neighbors import nearest, normalize
from latentview.core.progress import Progress, RateMeter, format_duration
from latentview.core.session import Session


def test_blockwise_knn_equals_brute_force():
    rng = np.random.default_rng(1)
    unit = normalize(rng.normal(size=(5_000, 64)))
    q = 123
    idx, dist = nearest(unit, unit[q], 10, exclude=q, block=700)
    sims = unit @ unit[q]
    sims[q] = -np.inf
    expected = np.argsort(-sims)[:10]
    assert idx.tolist() == expected.tolist()
    assert np.allclose(dist, 1 - sims[expected], atol=1e-5)
    assert q not in idx


def test_knn_on_float16_storage_finds_the_same_neighbours():
    rng = np.random.default_rng(2)
    unit = normalize(rng.normal(size=(2_000, 32)))
    a, _ = nearest(unit, unit[5], 5, exclude=5)
    b, _ = nearest(unit.astype(np.float16), unit[5], 5, exclude=5)
    assert len(set(a) & set(b)) >= 4


def test_progress_describes_count_rate_and_eta():
    p = Progress(50, 200, "Embedding", rate=25.0, eta=6.0, unit="img")
    text = p.describe()
    assert "50/200" in text and "25.0 img/s" in text and "ETA 0:06" in text
    assert format_duration(3725) == "1:02:05"
    meter = RateMeter(100)
    assert meter.update(0).eta is None


def test_session_focus_neighbours_and_polygon_selection():
    emb = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], np.float32)
    s = Session()
    events = []
    s.selection_changed.connect(lambda: events.append("sel"))
    s.set_dataset(Dataset("images", list("abcd"), ["x", "x", "y", "y"], emb))
    s.set_coords(np.array([[0, 0], [1, 0], [5, 5], [6, 5]], float), "pca")
    s.set_focus(0)
    assert s.neighbours[0][0] == 1
    s.select_polygon(np.array([[-1, -1], [2, -1], [2, 1], [-1, 1]]))
    assert s.selected_indices.tolist() == [0, 1]
    assert events[-1] == "sel"
    s.set_coords(np.zeros((3, 2)), "pca")  # stale coords for another dataset are ignored
    assert len(s.coords) == 4


def test_pca_finds_the_leading_components():
    from latentview.backends.projectors import pca

    rng = np.random.default_rng(0)
    for spectrum in (np.r_[10, 6, np.geomspace(2, 0.05, 1278)], 1 / np.arange(1, 1281)):  # gap / power law
        x = (rng.normal(size=(3000, 1280)) * spectrum).astype(np.float32)
        got = pca(x).astype(np.float64)
        c = (x - x.mean(0)).astype(np.float64)
        _, vecs = np.linalg.eigh(c.T @ c)
        ref = c @ vecs[:, ::-1][:, :2]
        assert (got**2).sum() / (ref**2).sum() > 0.999  # captures the optimal variance
        if spectrum[0] == 10:  # with a clear gap the components themselves are recovered
            for i in range(2):
                assert abs(np.corrcoef(got[:, i], ref[:, i])[0, 1]) > 0.999
