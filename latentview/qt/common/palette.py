"""Categorical colours (Tableau-20 order): distinct on dark and light backgrounds."""

from __future__ import annotations

from PySide6.QtGui import QColor

_HEX = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#e7ba52", "#637939", "#f7b6d2", "#843c39", "#6baed6",
    "#31a354", "#fd8d3c", "#7b4173", "#9edae5",
]  # fmt: skip


def categorical(n: int) -> list[QColor]:
    """n colours; past 20 they repeat with shifted lightness so neighbours still differ."""
    out = []
    for i in range(n):
        c = QColor(_HEX[i % len(_HEX)])
        cycle = i // len(_HEX)
        out.append(c.lighter(100 + 25 * cycle) if cycle % 2 else c.darker(100 + 20 * cycle))
    return out
