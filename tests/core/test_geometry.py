import numpy as np

from latentview.core.geometry import points_in_polygon
from latentview.core.selection import SelectionMode, combine


def test_square_polygon_selects_inside_points_only():
    xy = np.array([[0.5, 0.5], [1.5, 0.5], [0.1, 0.9], [-0.1, 0.5], [0.5, 1.01]])
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    assert points_in_polygon(xy, square).tolist() == [True, False, True, False, False]


def test_concave_polygon_excludes_the_notch():
    # A "U" shape: the notch (0.4..0.6, 0.3..1) is outside.
    u = np.array([[0, 0], [1, 0], [1, 1], [0.6, 1], [0.6, 0.3], [0.4, 0.3], [0.4, 1], [0, 1]])
    xy = np.array([[0.5, 0.6], [0.2, 0.6], [0.8, 0.6], [0.5, 0.1]])
    assert points_in_polygon(xy, u).tolist() == [False, True, True, True]


def test_polygon_matches_a_brute_force_circle_on_random_points():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-1, 1, size=(20_000, 2))
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    circle = np.c_[0.7 * np.cos(t), 0.7 * np.sin(t)]
    inside = points_in_polygon(xy, circle)
    r = np.hypot(xy[:, 0], xy[:, 1])
    clear = np.abs(r - 0.7) > 0.01  # away from the polygon's chord error
    assert np.array_equal(inside[clear], (r < 0.7)[clear])


def test_degenerate_polygons_select_nothing():
    xy = np.zeros((3, 2))
    assert not points_in_polygon(xy, np.array([[0, 0], [1, 1]])).any()
    assert points_in_polygon(np.zeros((0, 2)), np.array([[0, 0], [1, 0], [0, 1]])).shape == (0,)


def test_selection_modes_are_set_algebra():
    a = np.array([1, 1, 0, 0], bool)
    b = np.array([0, 1, 1, 0], bool)
    assert combine(a, b, SelectionMode.REPLACE).tolist() == [0, 1, 1, 0]
    assert combine(a, b, SelectionMode.ADD).tolist() == [1, 1, 1, 0]
    assert combine(a, b, SelectionMode.SUBTRACT).tolist() == [1, 0, 0, 0]
    assert combine(a, b, SelectionMode.INTERSECT).tolist() == [0, 1, 0, 0]
    assert combine(None, b, SelectionMode.SUBTRACT).tolist() == [0, 1, 1, 0]


def test_raster_polygon_test_is_exact_on_a_million_points():
    from latentview.core.geometry import RASTER_MIN_POINTS, _edge_test

    rng = np.random.default_rng(3)
    xy = rng.normal(0, 3, size=(1_000_000, 2))
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    star = np.c_[(4 + 2 * np.sin(5 * t)) * np.cos(t), (4 + 2 * np.sin(5 * t)) * np.sin(t)]
    fast = points_in_polygon(xy, star)
    assert fast.sum() > RASTER_MIN_POINTS
    sample = rng.choice(len(xy), 50_000, replace=False)
    assert np.array_equal(fast[sample], _edge_test(xy[sample, 0], xy[sample, 1], star))


def test_point_index_picks_like_a_brute_force_scan():
    from latentview.core.geometry import PointIndex

    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 100, size=(50_000, 2))
    index = PointIndex(xy)
    for target in rng.uniform(0, 100, size=(200, 2)):
        radius = (0.4, 0.2)  # anisotropic, like screen pixels on a stretched map
        d2 = (((xy - target) / radius) ** 2).sum(axis=1)
        best = int(np.argmin(d2))
        expected = best if d2[best] <= 1 else None
        assert index.nearest(target, radius) == expected


def test_bounds_are_per_axis_and_can_skip_non_finite_values():
    from latentview.core.geometry import bounds, span

    xy = np.array([[1.0, np.nan], [np.inf, 2.0], [3.0, 5.0], [-2.0, 4.0]])
    lo, hi = bounds(xy, finite=True)
    assert lo.tolist() == [-2.0, 2.0] and hi.tolist() == [3.0, 5.0]
    assert np.isnan(bounds(xy)[0][1])  # NaN propagates unless asked to skip it
    assert np.isnan(bounds(np.array([[np.nan, 1.0]]), finite=True)[0][0])
    assert span(np.zeros((0, 2))).tolist() == [0.0, 0.0]
    big = np.random.default_rng(0).normal(size=(10_000, 2))
    assert np.array_equal(np.stack(bounds(big)), np.stack([big.min(axis=0), big.max(axis=0)]))
