"""Selections are boolean masks; a lasso's modifier picks how a new mask combines (glue's subset modes)."""

from __future__ import annotations

from enum import Enum

import numpy as np


class SelectionMode(Enum):
    REPLACE = "replace"
    ADD = "add"
    SUBTRACT = "subtract"
    INTERSECT = "intersect"


def combine(current: np.ndarray | None, new: np.ndarray, mode: SelectionMode) -> np.ndarray:
    new = np.asarray(new, dtype=bool)
    if current is None or mode is SelectionMode.REPLACE:
        return new.copy()
    if mode is SelectionMode.ADD:
        return current | new
    if mode is SelectionMode.SUBTRACT:
        return current & ~new
    return current & new
