"""The one source of truth for what the window shows; panels subscribe to its events, never to each other."""

from __future__ import annotations

import numpy as np

from latentview.core.dataset import Dataset
from latentview.core.events import Signal
from latentview.core.geometry import points_in_polygon
from latentview.core.neighbors import NeighbourSearch
from latentview.core.rows import AddedRows, extend_mask, nearest_rows, place
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
        self._lineage: list = []  # earlier datasets the current one extends (their rows come first)
        self.dataset_changed = Signal()  # ()
        self.coords_changed = Signal()  # (final: bool)
        self.selection_changed = Signal()  # ()
        self.focus_changed = Signal()  # ()
        self.rows_added = Signal()  # (AddedRows): emitted before the extended coords_changed

    # --- data ----------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._search = None
        self._lineage = []
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

    def add_rows(self, dataset: Dataset, coords: np.ndarray | None = None, k: int = 5) -> AddedRows | None:
        """Replace the dataset by `dataset`, whose first rows are the current ones, keeping the layout,
        selection and focus. New rows go where `coords` says (exact, e.g. a linear map) or beside their
        nearest existing rows. Listeners of `rows_added` extend what they keep (groups, clusters)."""
        old = self.dataset
        if old is None or len(dataset) < len(old):
            raise ValueError("add_rows needs a dataset that starts with the current rows")
        n0, n_new = len(old), len(dataset) - len(old)
        if n_new == 0:
            return None
        idx, sims = nearest_rows(self.unit_embeddings, dataset.embeddings[n0:], k)
        added = AddedRows(n0, idx, sims)
        self._lineage.append(old)
        self.dataset = dataset
        self._search = None
        self.selection = extend_mask(self.selection, n_new)
        if self.coords is not None:
            extra = place(self.coords, added) if coords is None else np.asarray(coords, np.float64)
            self.coords = np.vstack([self.coords, extra.reshape(n_new, 2)])
        self.rows_added.emit(added)
        if self.coords is not None:
            self.coords_changed.emit(True)
        self.selection_changed.emit()
        return added

    def extends(self, dataset: Dataset) -> bool:
        """Whether the current dataset is `dataset` with rows added (so its layouts still apply)."""
        return any(d is dataset for d in self._lineage)

    def set_layout(self, dataset: Dataset, coords: np.ndarray, method: str, final: bool = True) -> None:
        """Coordinates computed for `dataset`: shown if it is still on the map, or extended by placing
        the rows added since (a UMAP that finishes after a search added words)."""
        if dataset is self.dataset:
            self.set_coords(coords, method, final)
        elif self.extends(dataset) and len(coords) == len(dataset):
            extra = place(coords, self.rows_since(dataset))
            self.set_coords(np.vstack([np.asarray(coords, np.float64), extra]), method, final)

    def rows_since(self, dataset: Dataset) -> AddedRows:
        """The rows added to the map after `dataset` (one the current dataset extends), with their
        nearest rows of it: for results computed on it that land late (a layout, a clustering)."""
        n0 = len(dataset)
        idx, sims = nearest_rows(self.unit_embeddings[:n0], self.dataset.embeddings[n0:])
        return AddedRows(n0, idx, sims)

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
