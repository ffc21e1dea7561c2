"""Embeddings table → Dataset: open, detect the column roles (or take the user's), read the vectors
block by block (float16 above the size where image maps switch too), skip and count NaN/inf rows.

Used alike by the window (on the task runner, with progress and cancel), `latentview TABLE` and
`latentview project`. A table map is `kind="images"` when it has an image-path column (so the
Inspector, thumbnails and folder export work unchanged), else `kind="table"`; `meta["table"]` keeps
the spec (to reopen it from a session), the original row numbers and every column for the Inspector.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from latentview.backends.table_columns import read_scalars, vector_blocks
from latentview.backends.tables import TableError, TableSource, is_table_path, open_source  # noqa: F401 (for qt)
from latentview.core.dataset import Dataset, Failure
from latentview.core.progress import Log, Progress, RateMeter
from latentview.core.table_roles import Roles, apply_overrides, detect_roles
from latentview.core.textsafe import display_path
from latentview.services.ingest import HALF_PRECISION_ABOVE

ROLE_NAMES = ("vectors", "label", "image", "text", "x", "y")
NO_LABEL = "(no label)"


@dataclass
class TableSpec:
    """What to open and how: the user's choices win over the detected roles."""

    path: str
    metadata: str | None = None
    choices: dict = field(default_factory=dict)  # role -> column name, list (vectors), "" for none
    embed_text: str | None = None  # embed this text column with the sentence model (no vectors needed)

    def to_json(self) -> dict:
        return {"path": os.path.abspath(self.path), "metadata": self.metadata and os.path.abspath(self.metadata),
                "choices": self.choices, "embed_text": self.embed_text}  # fmt: skip

    @classmethod
    def from_json(cls, doc: dict) -> TableSpec:
        return cls(doc["path"], doc.get("metadata"), dict(doc.get("choices") or {}), doc.get("embed_text"))


def inspect_table(path: str, metadata: str | None = None) -> tuple[TableSource, Roles]:
    """The source and the detected roles (what the dialog previews)."""
    src = open_source(path, metadata)
    return src, detect_roles(src.columns, src.n_rows)


def inspect_task(path: str, metadata: str | None = None):
    """Generator for the runner: `inspect_table` (a big CSV takes a moment)."""
    yield Progress(0, 0, f"Reading {os.path.basename(path)}")
    return inspect_table(path, metadata)


def resolve_roles(src: TableSource, spec: TableSpec) -> Roles:
    roles = detect_roles(src.columns, src.n_rows)
    choices = {k: v for k, v in spec.choices.items() if k in ROLE_NAMES}
    try:
        roles = apply_overrides(roles, src.columns, **choices)
    except KeyError as exc:
        names = ", ".join(c.name for c in src.columns[:12])
        raise TableError(f"{src.name} has no column '{exc.args[0]}' (columns: {names}).") from None
    if spec.embed_text:
        if spec.embed_text not in [c.name for c in src.columns]:
            raise TableError(f"{src.name} has no text column '{spec.embed_text}' to embed.")
        roles.vectors = []
        if not roles.text:
            roles.text = spec.embed_text
        roles.other = [c for c in roles.other if c != spec.embed_text or c == roles.text]
    elif not roles.vectors:
        raise TableError(_no_vectors_sentence(src, roles))
    return roles


def _no_vectors_sentence(src: TableSource, roles: Roles) -> str:
    hint = (f" Its text column '{roles.text}' can be embedded instead: tick \"Embed the text\" or pass "
            f"--embed-text {roles.text}." if roles.text else "")  # fmt: skip
    return (f"{src.name} has no vector column (a list column, or numbered numeric columns such as emb_0…emb_511); "
            f"choose one with --vectors.{hint}")  # fmt: skip


def open_table(spec: TableSpec):
    """Generator: yields Progress/Log; returns the Dataset (raises TableError with one sentence)."""
    yield Progress(0, 0, f"Reading {display_path(os.path.basename(spec.path))}")
    src = open_source(spec.path, spec.metadata)
    roles = resolve_roles(src, spec)
    if spec.embed_text:
        from latentview.services.text_embed import embed_column

        vectors = yield from embed_column(src, spec.embed_text)
        bad = np.zeros(len(vectors), bool)
    else:
        vectors, bad = yield from read_vectors(src, roles.vectors)
    rows = np.flatnonzero(~bad)
    if not len(rows):
        raise TableError(f"{src.name}: every row's vector has NaN or infinite values; nothing to map.")
    yield Progress(0, 0, "Reading columns")
    scalars = read_scalars(src, [c for c in _scalar_names(roles) if c not in src.string_vectors])
    dataset = build_dataset(src, spec, roles, vectors, rows, scalars)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        yield Log(f"{src.name}: {int(bad.sum()):,} rows skipped — their vectors have NaN, infinite or missing "
                  f"values (first: row {first}).")  # fmt: skip
    return dataset


def _scalar_names(roles: Roles) -> list[str]:
    singles = [roles.label, roles.image, roles.text, roles.x, roles.y]
    return list(dict.fromkeys([c for c in singles if c] + roles.other))


def read_vectors(src: TableSource, names: list[str]):
    """Generator returning ((kept rows, D) array, bad-row mask over all rows). Bad rows (NaN, inf,
    null) are dropped as the blocks arrive, so the result is compacted in place, never copied; a
    table that arrives as one block of the wanted type (a .npy memory map, an uncompressed Arrow
    file, a small Parquet file) is used as it is, without a copy."""
    n = src.n_rows
    meter = RateMeter(n)
    for dtype in (None, np.float32):  # a second pass only if float16 would overflow
        out, bad, pos, overflow = None, np.zeros(n, bool), 0, False
        for start, block, missing in vector_blocks(src, names):
            good = _finite_rows(block)
            if missing is not None:
                good &= ~missing
            bad[start : start + len(block)] = ~good
            if out is None:
                d = block.shape[1]
                if d == 0:
                    raise TableError(f"{src.name}: the vectors in '{names[0]}' are empty (0 numbers).")
                want = dtype or (np.float16 if n * d >= HALF_PRECISION_ABOVE else np.float32)
                if len(block) == n and block.dtype == want:
                    return (block if good.all() else block[good]), bad
                out = np.empty((n, d), want)
            kept = block if good.all() else block[good]
            out[pos : pos + len(kept)] = kept
            if out.dtype == np.float16 and not np.isfinite(out[pos : pos + len(kept)]).all():
                overflow = True
                break
            pos += len(kept)
            yield meter.update(min(start + len(block), n), "Reading vectors", "rows")
        if not overflow:
            break
        yield Log(f"{src.name}: values beyond float16's range; keeping float32 (twice the memory).", "info")
    if out is None:
        raise TableError(f"{src.name} has no rows.")
    return (out if pos == n else out[:pos]), bad


def _finite_rows(block: np.ndarray) -> np.ndarray:
    if block.dtype.kind != "f":
        return np.ones(len(block), bool)
    out = np.empty(len(block), bool)
    for i in range(0, len(block), 8192):  # bounded temporaries on a big zero-copy block
        out[i : i + 8192] = np.isfinite(block[i : i + 8192]).all(axis=1)
    return out


def build_dataset(src: TableSource, spec: TableSpec, roles: Roles, vectors: np.ndarray, rows: np.ndarray,
                  scalars: dict[str, np.ndarray]) -> Dataset:  # fmt: skip
    """Items (image path, text or 'row N'), labels, metadata for colouring and the Inspector."""
    every = len(rows) == src.n_rows
    kept = {k: (v if every else v[rows]) for k, v in scalars.items()}
    if roles.image:
        items = [_resolve(src.folder, p) for p in kept[roles.image]]
    elif roles.text:
        items = [str(t) for t in kept[roles.text]]
    else:
        items = [f"row {int(r)}" for r in rows]
    labels = [str(v) for v in kept[roles.label]] if roles.label else [NO_LABEL] * len(rows)
    xy = None
    if roles.x and roles.y:
        xy = np.column_stack([kept[roles.x], kept[roles.y]]).astype(np.float64)
        if not np.isfinite(xy).all():
            xy = None  # a layout with holes: project instead
    meta: dict = {c: kept[c] for c in roles.other}
    meta["table"] = {"spec": spec.to_json(), "roles": roles.to_json(), "rows": rows, "xy": xy,
                     "fields": kept, "format": src.format, "n_rows": src.n_rows}  # fmt: skip
    bad = np.setdiff1d(np.arange(src.n_rows), rows) if not every else np.zeros(0, int)
    failures = [
        Failure(f"row {int(r)}", "NaN, infinite or missing values in the vector") for r in bad[:10_000]
    ]
    return Dataset(kind="images" if roles.image else "table", items=items, labels=labels, embeddings=vectors,
                   source=os.path.abspath(spec.path), model=_model_name(spec, roles), failures=failures,
                   meta=meta)  # fmt: skip


def _model_name(spec: TableSpec, roles: Roles) -> str:
    if spec.embed_text:
        return f"all-MiniLM-L6-v2 ({spec.embed_text})"
    return ""


def _resolve(folder: str, value) -> str:
    p = os.path.expanduser(str(value))
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(folder, p))
