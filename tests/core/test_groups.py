"""Selection groups: set algebra on masks, colour codes, session round trip."""

import numpy as np
import pytest

from latentview.core.groups import GroupOp, GroupSet, combine_masks


def _set():
    gs = GroupSet(10)
    gs.add("a", [0, 1, 2, 3], "#ff0000")
    gs.add("b", np.isin(np.arange(10), [2, 3, 4, 5]), "#00ff00")
    gs.add("c", [3, 9])
    return gs


def test_union_intersection_difference_match_python_sets():
    gs = _set()
    a, b, c = ({int(i) for i in gs.get(n).indices} for n in "abc")
    assert set(gs.combine(["a", "b"], GroupOp.UNION).indices) == a | b
    assert set(gs.combine(["a", "b", "c"], GroupOp.INTERSECTION).indices) == a & b & c
    diff = gs.combine(["a", "b", "c"], GroupOp.DIFFERENCE)
    assert set(diff.indices) == a - b - c == {0, 1}
    assert diff.name == "a − b − c"
    assert gs.names()[-3:] == ["a ∪ b", "a ∩ b ∩ c", "a − b − c"]
    # the operands are unchanged
    assert set(gs.get("a").indices) == a


def test_names_are_unique_and_events_fire():
    gs = GroupSet(4)
    fired = []
    gs.changed.connect(lambda: fired.append(1))
    g1 = gs.add("x", [0])
    g2 = gs.add("x", [1])
    assert (g1.name, g2.name) == ("x", "x (2)")
    assert gs.rename("x (2)", "x") == "x (2)"  # taken by another: kept unique
    assert gs.rename("x (2)", "y") == "y"
    gs.remove("x")
    assert gs.names() == ["y"] and len(fired) == 5
    with pytest.raises(ValueError):
        gs.add("bad", np.ones(3, bool))
    with pytest.raises(ValueError):
        combine_masks([], GroupOp.UNION)


def test_codes_show_overlaps_honestly_and_json_round_trip():
    gs = _set()
    codes, names = gs.codes()
    assert names == ["(no group)", "a", "b", "c", "several groups"]
    assert codes.tolist() == [1, 1, 4, 4, 2, 2, 0, 0, 0, 3]  # 2 and 3 are in several groups
    codes, _ = gs.codes(top="b")  # the picked group is drawn over the overlaps
    assert codes.tolist() == [1, 1, 2, 2, 2, 2, 0, 0, 0, 3]
    other = GroupSet()
    other.load_json(10, gs.to_json())
    assert other.names() == gs.names()
    assert all(np.array_equal(x.mask, y.mask) and x.color == y.color for x, y in zip(gs, other))
