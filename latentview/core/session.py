"""The one source of truth for what the window shows; panels subscribe to its events, never to each other."""

from __future__ import annotations

import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.events import Signal
from latentview.core.geometry import points_in_polygon
from latentview.core.neighbors import NeighbourSearch
from latentview.core.selection import SelectionMode, combine


class Session:
    def __init__(self, search_factory=NeighbourSearch) -> None:
        self.dataset: Dataset | None = None
        self.coords: np.ndarray | None = None
        self.projection: str = ""
        self.selection: np.ndarray | None = None  # bool mask
        self.focus: int | None = None
        self.neighbours: tuple[np.ndarray, np.ndarray] = (np.zeros(0, int), np.zeros(0))
        self.k = 12
        self._search_factory = search_factory
        self._search: NeighbourSearch | None = None
        self.dataset_changed = Signal()  # ()
        self.coords_changed = Signal()  # (final: bool)
        self.selection_changed = Signal()  # ()
        self.focus_changed = Signal()  # ()

    # --- data ----------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._search = None
        self.coords = None
        self.projection = ""
        self.selection = None
        self.focus = None
        self.neighbours = (np.zeros(0, int), np.zeros(0))
        self.dataset_changed.emit()
        self.selection_changed.emit()
        self.focus_changed.emit()

    def set_coords(self, coords: np.ndarray, method: str, final: bool = True) -> None:
        if self.dataset is None or len(coords) != len(self.dataset):
            return  # a stale projection of an earlier dataset
        self.coords = np.asarray(coords, dtype=np.float64)
        self.projection = method
        self.coords_changed.emit(final)

    @property
    def search(self) -> NeighbourSearch:
        """Built on first use (a million rows take a moment), then reused for every click."""
        if self._search is None:
            self._search = self._search_factory(self.dataset.embeddings)
        return self._search

    @property
    def search_ready(self) -> bool:
        return self._search is not None

    def set_search(self, search: NeighbourSearch) -> None:
        """A search built elsewhere (the window builds it on a worker thread) for the current dataset."""
        self._search = search

    @property
    def search_or_none(self) -> NeighbourSearch | None:
        return self._search

    @property
    def unit_embeddings(self) -> np.ndarray:
        return self.search.unit

    # --- selection -----------------------------------------------------------------------
    def select_polygon(self, polygon: np.ndarray, mode: SelectionMode = SelectionMode.REPLACE) -> None:
        if self.coords is None:
            return
        self.set_selection(points_in_polygon(self.coords, polygon), mode)

    def select_indices(self, indices, mode: SelectionMode = SelectionMode.REPLACE) -> None:
        if self.dataset is None:
            return
        mask = np.zeros(len(self.dataset), dtype=bool)
        mask[np.asarray(indices, dtype=int)] = True
        self.set_selection(mask, mode)

    def set_selection(self, mask: np.ndarray | None, mode: SelectionMode = SelectionMode.REPLACE) -> None:
        self.selection = None if mask is None else combine(self.selection, mask, mode)
        self.selection_changed.emit()

    def clear_selection(self) -> None:
        self.set_selection(None)

    @property
    def selected_indices(self) -> np.ndarray:
        return np.zeros(0, int) if self.selection is None else np.flatnonzero(self.selection)

    # --- focus: one point and its neighbours in the full space -------------------------------
    def set_focus(self, index: int | None, neighbours: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Focus a point; its neighbours are searched here unless given (found on a worker thread)."""
        self.focus = index
        if index is None or self.dataset is None:
            self.neighbours = (np.zeros(0, int), np.zeros(0))
        else:
            self.neighbours = neighbours if neighbours is not None else self.search.query(index, self.k)
        self.focus_changed.emit()
