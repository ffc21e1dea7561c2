"""Exports from data that came from files (issue 10): spreadsheet formulas neutralised in every CSV,
control characters escaped for terminals, and no write ever follows a link out of the chosen folder."""

from __future__ import annotations

import csv
import os

import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.textsafe import csv_cell, printable
from latentview.services.export import export_folders, write_projector, write_table
from latentview.services.runner import drive
from latentview.services.words import export_words

FORMULAS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_printable_escapes_every_control_character():
    assert printable("a\x1b[2Jb\nc\rd\x9be\x7f") == "a\\x1b[2Jb\\nc\\rd\\x9be\\x7f"
    assert printable("épée 東京 ✓") == "épée 東京 ✓"


def test_csv_cell_neutralises_formulas_only():
    assert [csv_cell(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert csv_cell("plain") == "plain" and csv_cell(-1.5) == -1.5 and csv_cell(None) is None


def _rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_table_and_words_csv_exports_neutralise_formulas(tmp_path):
    n = len(FORMULAS)
    ds = Dataset("words", FORMULAS, FORMULAS, np.eye(n, dtype=np.float32))
    coords = -np.ones((n, 2))
    write_table(ds, coords, str(tmp_path / "t.csv"), columns={"cluster_name": FORMULAS})
    rows = _rows(tmp_path / "t.csv")[1:]
    assert all(cell[:1] not in "=+-@\t\r" for row in rows for cell in (row[0], row[1], row[4]))
    assert rows[0][2] == "-1.0"  # numbers stay numbers
    export_words(str(tmp_path / "w.csv"), FORMULAS, FORMULAS, coords)
    rows = _rows(tmp_path / "w.csv")[1:]
    assert [r[0] for r in rows] == ["'" + v for v in FORMULAS] and rows[0][2] == "-1.0"


def test_exports_never_follow_links_out_of_the_chosen_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "cats").symlink_to(outside, target_is_directory=True)  # a linked sub-folder
    img = tmp_path / "a.png"
    img.write_bytes(b"png")
    ds = Dataset("images", [str(img)], ["cats"], np.eye(1, dtype=np.float32))
    written = drive(export_folders(ds, {"cats": np.array([0])}, str(dest)))
    assert written.written == {"cats_2": 1} and (dest / "cats_2" / "a.png").is_file()
    assert sorted(os.listdir(outside)) == ["victim.txt"]
    # stale .part names and the projector config linked to a file outside: replaced, never written through
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("vectors.tsv.part", "metadata.tsv.part", "projector_config.pbtxt"):
        (proj / name).symlink_to(victim)
    write_projector(Dataset("words", ["a"], ["x"], np.eye(1, dtype=np.float32)), str(proj))
    (tmp_path / "t.csv.part").symlink_to(victim)
    write_table(ds, None, str(tmp_path / "t.csv"))
    (tmp_path / "w.txt.part").symlink_to(victim)
    export_words(str(tmp_path / "w.txt"), ["a"], ["x"], None)
    assert victim.read_text() == "keep"
    assert not (proj / "projector_config.pbtxt").is_symlink()
