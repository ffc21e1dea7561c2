import numpy as np
import pytest

from latentview.core.compare import (
    compare_spaces,
    knn_label_accuracy,
    linear_cka,
    match_items,
    procrustes_align,
)


def _clusters(n=600, d=32, c=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(c, d)) * 4
    lab = rng.integers(0, c, n)
    return (centres[lab] + rng.normal(size=(n, d))).astype(np.float32), lab


def _cka_kernel_form(x, y):
    """CKA from its definition with centred Gram matrices (HSIC), independent of the feature form."""
    n = len(x)
    h = np.eye(n) - 1.0 / n
    k = h @ (x @ x.T) @ h
    l_ = h @ (y @ y.T) @ h
    hsic = lambda a, b: np.sum(a * b)  # noqa: E731
    return hsic(k, l_) / np.sqrt(hsic(k, k) * hsic(l_, l_))


def test_a_space_against_itself_and_a_rotation_of_itself_agrees_fully():
    x, lab = _clusters()
    same = compare_spaces(x, x.copy(), k=10, labels=lab)
    assert same.mean_overlap == pytest.approx(1.0)
    assert same.cka == pytest.approx(1.0)
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(32, 32)))
    rotated = compare_spaces(x, (x @ q).astype(np.float32), k=10, labels=lab)
    assert rotated.mean_overlap > 0.99
    assert rotated.cka == pytest.approx(1.0, abs=1e-6)
    assert rotated.accuracy_a == pytest.approx(rotated.accuracy_b, abs=0.01) and rotated.accuracy_a > 0.95


def test_shuffled_rows_overlap_is_chance():
    x = np.random.default_rng(2).normal(size=(2000, 16)).astype(np.float32)
    shuffled = x[np.random.default_rng(3).permutation(len(x))]
    res = compare_spaces(x, shuffled, k=10)
    assert res.mean_overlap < 5 * 10 / 2000  # chance is k/N = 0.005
    assert res.cka < 0.1


def test_cka_matches_the_kernel_definition_on_random_data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 30))
    y = x[:, :10] @ rng.normal(size=(10, 7)) + 0.5 * rng.normal(size=(200, 7))
    assert linear_cka(x, y) == pytest.approx(_cka_kernel_form(x, y), rel=1e-9)
    z = rng.normal(size=(200, 5))
    assert linear_cka(x, z) == pytest.approx(_cka_kernel_form(x, z), rel=1e-9)


def test_label_accuracy_is_a_majority_vote_with_nearest_breaking_ties():
    labels = np.array(["a", "a", "b", "b"])
    knn = np.array([[1, 2], [0, 3], [3, 0], [1, 2]])  # row 0: a,b tie → nearest is a
    assert knn_label_accuracy(knn, labels) == pytest.approx(0.75)  # row 3: a,b tie → a (wrong)


def test_procrustes_undoes_rotation_scale_and_shift():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(100, 2))
    t = np.deg2rad(70)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    b = 3.0 * a @ rot + np.array([10.0, -4.0])
    assert np.allclose(procrustes_align(a, b), a, atol=1e-4)


def test_items_are_matched_by_id_in_a_order():
    ia, ib = match_items(["x", "y", "z", "y"], ["z", "q", "x"])
    assert ia.tolist() == [0, 2] and ib.tolist() == [2, 0]


def test_sampled_rows_cover_big_sets_with_nan_elsewhere():
    x, _ = _clusters(n=3000)
    res = compare_spaces(x, x, k=5, max_rows=500)
    assert len(res.rows) == 500 and np.isnan(res.overlap).sum() == 2500
    assert np.nanmean(res.overlap) == pytest.approx(1.0)


def test_cka_of_big_inputs_in_float32_agrees_with_float64():
    from latentview.core.compare import linear_cka as cka

    rng = np.random.default_rng(6)
    x = rng.normal(size=(3000, 800))
    y = x[:, :300] @ rng.normal(size=(300, 700)) + rng.normal(size=(3000, 700))
    exact = float(
        np.linalg.norm((y - y.mean(0)).T @ (x - x.mean(0))) ** 2
        / (
            np.linalg.norm((x - x.mean(0)).T @ (x - x.mean(0)))
            * np.linalg.norm((y - y.mean(0)).T @ (y - y.mean(0)))
        )
    )
    assert cka(x, y) == pytest.approx(exact, rel=1e-5)
