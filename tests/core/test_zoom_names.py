"""Names on a zoomed-out map: a coarse group of clusters is named as one only where its clusters sit
together on the map (the demo's coffee and documents clusters were one group, 'espresso · web site',
whose name sat beside the documents alone)."""

import numpy as np

from latentview.core.clusters import Clustering, Level, zoom_names


def _map():
    """Four clusters of 20 points: 0 and 1 side by side, 2 and 3 at opposite ends of the map."""
    rng = np.random.default_rng(0)
    centres = [(0.0, 0.0), (0.6, 0.0), (-10.0, 5.0), (10.0, -5.0)]
    coords = np.concatenate([rng.normal(c, 0.1, size=(20, 2)) for c in centres])
    labels = np.repeat(np.arange(4), 20)
    # the clustering space put 0+1 in one group and 2+3 (far apart on the map) in another
    level = Level(np.array([0, 0, 1, 1]), ["espresso · cup", "espresso · web site"])
    c = Clustering(labels, ["espresso · cup", "coffee mug · cup", "espresso · consomme", "web site · menu"],
                   levels=[level])  # fmt: skip
    return c, coords


def test_a_group_spread_over_the_map_is_named_by_its_clusters():
    c, coords = _map()
    names = {m.text: m for m in zoom_names(c, coords, 1.0)}
    assert set(names) == {"espresso · cup", "espresso · consomme", "web site · menu"}
    assert names["espresso · cup"].clusters == (0, 1)  # the compact group keeps its one name
    assert names["web site · menu"].clusters == (3,) and names["web site · menu"].x > 9  # on its cluster
    # zoomed in: every cluster its own name, as before
    assert {m.text for m in zoom_names(c, coords, 100.0)} == set(c.names)


def test_names_keep_their_cached_centres_per_level():
    c, coords = _map()
    cache: dict = {}
    first = zoom_names(c, coords, 1.0, cache)
    assert set(cache) >= {0, 1} and zoom_names(c, coords, 1.0, cache) == first
