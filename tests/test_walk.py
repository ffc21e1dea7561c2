"""The scripted new user's walk (scripts/walk.py --quick) through the real window with real events:
every step runs, leaves a screenshot and a timing, and shows what a user must see."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

WALK = Path(__file__).resolve().parents[1] / "scripts" / "walk.py"


@pytest.fixture(scope="module")
def walk(qapp, tmp_path_factory):
    spec = importlib.util.spec_from_file_location("walk", WALK)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["walk"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    out = tmp_path_factory.mktemp("walk")
    results = mod.run_walk(out, quick=True)
    return out, {r["step"]: r for r in results}, [name for name, _ in mod.STEPS]


def test_every_step_runs_with_a_screenshot_and_a_timing(walk):
    out, steps, names = walk
    assert list(steps) == names
    assert {n: s["error"] for n, s in steps.items() if s["error"]} == {}
    for s in steps.values():
        assert (out / s["screenshot"]).stat().st_size > 10_000 and s["seconds"] >= 0
    assert json.loads((out / "walk.json").read_text())[0]["step"] == "start"


def test_the_image_map_reads_well(walk):
    _, steps, _ = walk
    start, demo, click = steps["start"]["facts"], steps["demo"]["facts"], steps["click-point"]["facts"]
    assert start["hint_visible"] and "Click a point" in start["inspector_hint"]
    assert "Drop a folder" not in demo["loading_hint"]  # says what loads instead
    assert demo["clusters"] >= 5 and "images" in demo["title"]
    # the folder labels stay the colouring and legend; names are the model's guesses
    assert demo["colour_by"] == "label" and demo["legend_visible"]
    # a single cluster's name carries the model's confidence; a coarse group of clusters (zoomed out) has none
    assert demo["names"] and all(demo["names"]) and any("%)" in n for n in demo["names"])
    for step in ("demo", "click-point", "clusters-colour", "narrow-1024x640", "wide-1920x1080"):
        f = steps[step]["facts"]
        assert f["names_inside"] and not f["names_overlap"] and f["names_shown"] >= 3, step
    # the first click does not shrink the map, and the map stays fitted
    assert click["neighbours"] > 0 and click["points_in_view"]
    assert click["map_width_after"] >= click["map_width_before"] - 2
    cl = steps["clusters-colour"]["facts"]
    assert cl["colour_by"] == "cluster" and cl["legend_visible"] and cl["legend"][0] == "noise"


def test_lasso_zoom_groups_trust(walk):
    _, steps, _ = walk
    la = steps["lasso-shift-ctrl"]["facts"]
    assert la["first"] >= 0.9 * la["cluster0"] and la["after_shift"] > la["first"]
    assert la["after_ctrl"] < la["after_shift"] and la["inspector_grid"] == la["selected"]
    z = steps["zoom-to-thumbnails"]["facts"]
    assert z["drawn"] > 0 and z["piled_fraction_at_switch"] <= 0.2 and not z["names_over_images"]
    g = steps["groups-overlap"]["facts"]
    assert g["editor_text"] == "Group 1" and g["groups"] == ["cats", "Group 2"]
    assert g["colour_of_first_group_point"] == "#000000"  # recolouring an overlapped group shows
    t = steps["trust"]["facts"]
    assert t["legend"][0] == "recall < 0.2" and t["lines"] > 0


def test_exports_session_and_window_sizes(walk):
    _, steps, _ = walk
    e = steps["exports"]["facts"]
    assert e["file"] and e["rows"] == e["selected"] == e["exported"] > 0 and e["png"]
    ss = steps["session-round-trip"]["facts"]
    assert ss["groups_after_delete"] == ["cats"]  # the change the session undoes
    assert ss["points"] == ss["points_before"] and ss["groups"] == ["cats", "Group 2"] and ss["clusters"]
    n = steps["narrow-1024x640"]["facts"]
    assert n["window"][0] <= 1030 and n["points_in_view"]
    assert all("…" not in t for bar in n["tabs"] for t in bar)
    wide = steps["wide-1920x1080"]["facts"]
    assert wide["map_width"] >= 1100 and wide["points_in_view"] and wide["x_fill"] > 0.5


def test_words_gan_and_folders(walk):
    _, steps, _ = walk
    wd = steps["words-search-analogy"]["facts"]
    assert wd["found"] and wd["answer"] == "queen" and wd["loading_hint_hidden"]
    assert wd["asked_to_save"]  # the image map's groups were not dropped silently
    assert wd["group_survives_search"]  # a group made before a word search keeps its words
    assert steps["words-axes"]["facts"]["projection"] == "axes"
    gan = steps["gan-sliders"]["facts"]
    assert gan["renders"] >= 1 and gan["slider"] > 0
    gm = steps["gan-interpolation-map"]["facts"]
    assert gm["interpolation_ready"] and gm["map_kind"] == "gan"
    assert not gm["axis_title"]  # the word-pair axes' titles left with the words map
    fd = steps["folder-drop-bad-files"]["facts"]
    assert fd["skipped"] == 3 and fd["labels"] == ["cat", "coffee", "space"]
    assert fd["full_path_labels"] == ["cat/batch 1", "coffee/batch 1", "space/batch 1"]
    assert sum("empty file" in m or "not an image" in m or "truncated" in m for m in fd["log"]) == 3
    assert "my photos" in fd["title"]
    bad = steps["folder-of-bad-files"]["facts"]
    assert bad["in_log"] and bad["log_visible"] and bad["error"] in bad["status"]


def test_narrow_window_leaves_the_map_most_of_the_width(walk):
    """With a picture in the Inspector (the click-point step), a 1024 px window's map stays the widest part."""
    _, steps, _ = walk
    n = steps["narrow-1024x640"]["facts"]
    assert n["map_width"] >= 0.55 * n["window"][0], n["docks"]
    assert all(width >= 200 for width, _ in n["docks"].values()), n["docks"]  # the docks stay usable


def test_what_the_walk_showed_stays_fixed(walk):
    """The legend covers no point (fitted, or in the view a session restored at another size); the trust
    summary leaves with its map; an image map opened after the words map shows an image map's tab."""
    _, steps, _ = walk
    for step in ("demo", "click-point", "narrow-1024x640", "wide-1920x1080"):
        assert steps[step]["facts"]["under_legend"] == 0, step
    assert not steps["narrow-1024x640"]["facts"]["status"].startswith(
        "Trustworthiness"
    )  # the session reopened
    fd = steps["folder-drop-bad-files"]["facts"]
    assert fd["left_tab"] in ("Map settings", "Clusters", "Groups"), fd["left_tab"]
