"""Name placement on the map: inside the view, never overlapping, highest priority kept."""

import numpy as np

from latentview.core.label_layout import assert_inside, place_labels, shorten


def _measure(text):
    return 8.0 * len(text), 18.0


def test_names_stay_inside_the_view_and_never_overlap():
    rng = np.random.default_rng(0)
    view = (0.0, 0.0, 500.0, 300.0)
    labels = [
        ((float(x), float(y)), f"name {i} · something", float(rng.integers(1, 100)))
        for i, (x, y) in enumerate(rng.uniform((0, 0), (500, 300), (40, 2)))
    ]
    legend = (380.0, 0.0, 500.0, 120.0)
    boxes = place_labels(labels, _measure, view, [legend])
    shown = [b for b in boxes if b is not None]
    assert len(shown) >= 8 and assert_inside(boxes, view)
    for i, a in enumerate(shown):
        assert not (a[0] < legend[2] and legend[0] < a[2] and a[1] < legend[3] and legend[1] < a[3])
        for b in shown[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    # the biggest cluster's name is always placed
    assert boxes[int(np.argmax([p for _, _, p in labels]))] is not None


def test_a_name_at_the_edge_is_nudged_in_and_offscreen_anchors_are_hidden():
    view = (0.0, 0.0, 400.0, 300.0)
    boxes = place_labels([((399.0, 5.0), "lakeside · palace", 5), ((-50.0, 50.0), "off", 9)], _measure, view)
    assert boxes[0] is not None and boxes[0][2] <= 400 and boxes[0][1] >= 0
    assert boxes[1] is None


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert shorten("espresso · chocolate sauce", 22) == "espresso · chocolate…"
    assert shorten("espresso · chocolate sauce", 20) == "espresso…"
    assert shorten("short") == "short"
    assert len(shorten("x" * 50, 24)) == 24


def test_a_name_avoids_covering_points_when_it_can():
    view = (0.0, 0.0, 400.0, 300.0)
    # a crowd of points just above the anchor: the name goes below instead of over them
    crowd = np.array([(200.0 + dx, 140.0 - dy) for dx in range(-60, 61, 6) for dy in range(8, 30, 4)])
    (box,) = place_labels([((200.0, 150.0), "name", 1)], _measure, view, points=crowd)
    assert box[1] > 150.0
    assert place_labels([((200.0, 150.0), "name", 1)], _measure, view)[0][3] < 150.0  # default: above
