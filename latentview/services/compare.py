"""Compare latent spaces as pipelines (generators yielding Progress; cancellable at every yield).

- `load_space(spec)`: a space named on a command line — an embeddings table, or a folder embedded
  with an encoder (`FOLDER@MODEL#LAYER`, see `parse_space`) through the ingest pipeline, so the
  embedding cache is used.
- `compare_datasets(a, b)`: match items by id/path, then neighbour overlap, CKA, k-NN accuracy.
- `layer_sweep(folder, model)`: the folder embedded at every layer of a model (raw pixels → last
  layer); per layer, k-NN label accuracy, mean overlap with the last layer and CKA with it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from latentview.core.compare import Comparison, compare_spaces, match_items
from latentview.core.dataset import Dataset
from latentview.core.errors import UserError
from latentview.core.progress import Progress

NO_LABELS = {"(no label)", ""}


class CompareError(UserError):
    """The two spaces cannot be compared (nothing shared, too few items, a bad spec)."""


# --- naming a space -----------------------------------------------------------------------------------
@dataclass
class SpaceSpec:
    """A table file, or a folder and the encoder reference (`model#layer`) to embed it with."""

    path: str
    model: str | None = None  # None for a table

    @property
    def is_folder(self) -> bool:
        return self.model is not None


def parse_space(text: str, default_model: str | None = None) -> SpaceSpec:
    """`TABLE`, `FOLDER`, `FOLDER@MODEL`, `FOLDER@MODEL#LAYER` or `FOLDER#LAYER` (default model).

    An existing path is taken whole (a name may contain '@' or '#'); otherwise the last '@' splits
    the folder from the encoder, then a '#' after the folder names the layer.
    """
    from latentview.backends.embedders import DEFAULT_MODEL
    from latentview.backends.own_models import make_ref

    default = default_model or DEFAULT_MODEL
    if os.path.exists(text):
        from latentview.backends.tables import is_table_path

        folder = os.path.isdir(text) and not is_table_path(text)  # a folder of Parquet shards is a table
        return SpaceSpec(text, default if folder else None)
    if "@" in text:
        folder, _, ref = text.rpartition("@")
        if ref.startswith("#"):
            ref = make_ref(default, ref[1:])
        return SpaceSpec(folder, ref or default)
    if "#" in text:
        folder, _, layer = text.rpartition("#")
        return SpaceSpec(folder, make_ref(default, layer or None))
    return SpaceSpec(text, None)  # not found: load_space says so in one sentence


def load_space(spec: SpaceSpec, use_cache: bool = True):
    """Generator: yields Progress/Log; returns the Dataset (embedded folder or opened table)."""
    from latentview.core.textsafe import display_path

    if spec.is_folder:
        from latentview.services.ingest import IngestOptions, ingest_folder

        if not os.path.isdir(spec.path):
            raise CompareError(f"Folder not found: {display_path(spec.path)}")
        return (yield from ingest_folder(spec.path, IngestOptions(model=spec.model, use_cache=use_cache)))
    if not os.path.exists(spec.path):
        raise CompareError(
            f"Not found: {display_path(spec.path)} (a table, a folder, or FOLDER@MODEL#LAYER)."
        )
    from latentview.services.tables import TableSpec, open_table

    return (yield from open_table(TableSpec(spec.path)))


# --- matching ------------------------------------------------------------------------------------------
def item_keys(ds: Dataset) -> list[str]:
    """The ids items are matched by: the item itself (absolute path, word, row id)."""
    return [str(i) for i in ds.items]


def _relative_keys(ds: Dataset) -> list[str] | None:
    """Paths relative to the dataset's folder, when items are files under it (a folder vs a table of
    the same images written elsewhere with relative paths)."""
    root = ds.source if os.path.isdir(ds.source) else os.path.dirname(ds.source)
    if not root or not all(os.path.isabs(str(i)) for i in ds.items[:100]):
        return None
    return [os.path.relpath(str(i), root) for i in ds.items]


def match_datasets(a: Dataset, b: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(ia, ib): the items both share, in A's order; by id, else by path relative to each folder."""
    ia, ib = match_items(item_keys(a), item_keys(b))
    if len(ia) < 2:
        ra, rb = _relative_keys(a), _relative_keys(b)
        if ra is not None and rb is not None:
            ia2, ib2 = match_items(ra, rb)
            if len(ia2) > len(ia):
                ia, ib = ia2, ib2
    return ia, ib


def shared_labels(a: Dataset, b: Dataset, ia: np.ndarray, ib: np.ndarray) -> np.ndarray | None:
    """Labels of the matched items (A's, else B's), or None when neither side has two classes."""
    for ds, idx in ((a, ia), (b, ib)):
        labels = np.asarray(ds.labels, dtype=object)[idx]
        known = {str(v) for v in labels} - NO_LABELS
        if len(known) > 1:
            return labels.astype(str)
    return None


# --- comparing -----------------------------------------------------------------------------------------
@dataclass
class DatasetComparison:
    """B against A over the items both have; `ia`/`ib` index each dataset's rows."""

    ia: np.ndarray
    ib: np.ndarray
    n_a: int
    n_b: int
    items: list[str]
    labels: np.ndarray | None
    result: Comparison
    seconds: float = 0.0

    @property
    def only_a(self) -> int:
        return self.n_a - len(self.ia)

    @property
    def only_b(self) -> int:
        return self.n_b - len(self.ib)


def compare_datasets(a: Dataset, b: Dataset, k: int = 10):
    """Generator: match items, then compare B's space with A's over the shared items."""
    t0 = time.perf_counter()
    yield Progress(0, 3, "Matching items")
    ia, ib = match_datasets(a, b)
    if len(ia) < 2:
        raise CompareError(
            f"The two spaces share {len(ia)} item(s) ({len(a):,} in A, {len(b):,} in B); items are matched "
            "by path or id, so both must describe the same items."
        )
    labels = shared_labels(a, b, ia, ib)
    yield Progress(1, 3, f"Neighbours of {len(ia):,} items in both spaces")
    result = compare_spaces(a.embeddings[ia], b.embeddings[ib], k=k, labels=labels)
    yield Progress(3, 3, "Compared")
    items = [str(a.items[i]) for i in ia]
    return DatasetComparison(ia, ib, len(a), len(b), items, labels, result, time.perf_counter() - t0)


# --- layers sweep --------------------------------------------------------------------------------------
@dataclass
class LayerRow:
    layer: str  # the layer's name (raw-pixels, stage1 …, "last")
    title: str
    dims: int
    accuracy: float | None
    overlap_last: float
    cka_last: float
    seconds: float  # embedding time (cache hits make it small)


@dataclass
class Sweep:
    model: str
    folder: str
    n: int
    k: int
    rows: list[LayerRow] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> str:
        """The sweep as aligned text (CLI and benchmark)."""
        lines = [
            f"{'layer':<12} {'dims':>6} {'k-NN acc':>9} {'overlap→last':>13} {'CKA→last':>9} {'embed s':>8}"
        ]
        for r in self.rows:
            acc = "—" if r.accuracy is None else f"{r.accuracy:.3f}"
            lines.append(f"{r.layer:<12} {r.dims:>6} {acc:>9} {r.overlap_last:>13.3f} {r.cka_last:>9.3f} "
                         f"{r.seconds:>8.1f}")  # fmt: skip
        return "\n".join(lines)


def sweep_layers(model: str) -> list[tuple[str | None, str]]:
    """(layer, title) from raw pixels to the model's last layer (None = its default embedding)."""
    from latentview.backends.embedders import layers_for

    return layers_for(model)


def layer_sweep(folder: str, model: str | None = None, k: int = 10, use_cache: bool = True,
                layers: list[str | None] | None = None):  # fmt: skip
    """Generator: embed `folder` at every layer of `model` (through the ingest pipeline and its
    cache), then measure each layer against the last. Returns a Sweep."""
    from latentview.backends.embedders import DEFAULT_MODEL
    from latentview.backends.own_models import make_ref, split_ref
    from latentview.services.ingest import IngestOptions, ingest_folder

    model = split_ref(model or DEFAULT_MODEL)[0]
    t0 = time.perf_counter()
    choices = sweep_layers(model)
    if layers is not None:
        choices = [(name, title) for name, title in choices if name in layers or name is None]
    spaces: list[tuple[str | None, str, Dataset, float]] = []
    for i, (layer, title) in enumerate(choices):
        step = f"{layer or 'last layer'} ({i + 1}/{len(choices)})"
        t1 = time.perf_counter()
        gen = ingest_folder(folder, IngestOptions(model=make_ref(model, layer), use_cache=use_cache))
        ds = yield from _relabelled(gen, step)
        spaces.append((layer, title, ds, time.perf_counter() - t1))
    yield Progress(0, len(spaces), "Measuring layers")
    last = spaces[-1][2]
    sweep = Sweep(model, os.path.abspath(folder), len(last), k)
    for j, (layer, title, ds, secs) in enumerate(spaces):
        ia, ib = match_datasets(last, ds)
        labels = shared_labels(last, ds, ia, ib)
        res = compare_spaces(last.embeddings[ia], ds.embeddings[ib], k=k, labels=labels)
        sweep.rows.append(LayerRow(layer or "last", title, int(ds.embeddings.shape[1]), res.accuracy_b,
                                   res.mean_overlap, res.cka, secs))  # fmt: skip
        yield Progress(j + 1, len(spaces), "Measuring layers")
    sweep.seconds = time.perf_counter() - t0
    return sweep


def _relabelled(gen, step: str):
    """Pass a sub-pipeline's events through, its progress messages prefixed with the sweep's step."""
    try:
        event = next(gen)
        while True:
            if isinstance(event, Progress):
                event = Progress(event.done, event.total, f"{step}: {event.message}", event.rate, event.eta,
                                 event.unit)  # fmt: skip
            yield event
            event = next(gen)
    except StopIteration as stop:
        return stop.value
    finally:
        gen.close()


# --- spaces for the window's linked views ---------------------------------------------------------------
def embed_and_project(folder: str, ref: str, params):
    """Generator: `folder` embedded with encoder `ref` (cached), then laid out; returns (Dataset, coords)."""
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.projection import project

    ds = yield from ingest_folder(folder, IngestOptions(model=ref))
    coords = yield from project(ds.embeddings, params)
    return ds, coords


def open_and_project(path: str, params):
    """Generator: an embeddings table opened and laid out; returns (Dataset, coords)."""
    from latentview.services.projection import project
    from latentview.services.tables import TableSpec, open_table

    ds = yield from open_table(TableSpec(path))
    coords = yield from project(ds.embeddings, params)
    return ds, coords


def measure_spaces(reference: np.ndarray, spaces: list[np.ndarray], labels: np.ndarray | None, k: int = 10):
    """Generator: each space against the reference over the same rows; returns [Comparison]."""
    out = []
    for i, space in enumerate(spaces):
        yield Progress(i, len(spaces), "Comparing neighbourhoods")
        out.append(compare_spaces(reference, space, k=k, labels=labels))
    yield Progress(len(spaces), len(spaces), "Compared")
    return out
