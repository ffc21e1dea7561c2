"""What each column of an embeddings table is for: the vectors, a label, image paths, text, a given
layout (x/y), or metadata. Plain functions on column descriptions (numpy only), so the rules are
tested without files and the dialog and the command line override the same `Roles`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
VECTOR_NAMES = ("embedding", "embeddings", "vector", "vectors", "features", "feature", "emb", "latent",
                "latents", "encoding", "z")  # fmt: skip
LABEL_NAMES = ("label", "labels", "class", "classes", "category", "target", "species", "genre", "tag",
               "cls", "digit", "group", "kind", "type")  # fmt: skip
TEXT_NAMES = ("text", "sentence", "sentences", "word", "words", "token", "title", "caption", "name",
              "document", "content", "description", "path", "id")  # fmt: skip
IMAGE_NAMES = ("image", "image_path", "img", "filepath", "file_path", "filename", "file", "path")
MAX_LABELS = 60  # more distinct values than this reads as an identifier, not a category
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass
class ColumnInfo:
    """One column as the readers see it (computed on a sample of rows)."""

    name: str
    kind: str  # "vector" | "number" | "integer" | "string" | "bool" | "other"
    dim: int | None = None  # vector columns: the common length, None when lengths differ
    numeric: bool = True  # vector columns: the elements are numbers
    unique: int = 0  # distinct values in the sample
    sampled: int = 0  # rows in the sample
    empty: bool = False  # every sampled value is null/empty
    sample: list = field(default_factory=list)  # a few values, for the path/text guesses


@dataclass
class Roles:
    vectors: list[str] = field(default_factory=list)  # one list column, or many numeric columns
    label: str | None = None
    image: str | None = None
    text: str | None = None
    x: str | None = None
    y: str | None = None
    other: list[str] = field(default_factory=list)

    def used(self) -> set[str]:
        return {*self.vectors, *(c for c in (self.label, self.image, self.text, self.x, self.y) if c)}

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("vectors", "label", "image", "text", "x", "y", "other")}

    @classmethod
    def from_json(cls, doc: dict) -> Roles:
        return cls(**{k: doc.get(k) for k in ("label", "image", "text", "x", "y")},
                   vectors=list(doc.get("vectors") or []), other=list(doc.get("other") or []))  # fmt: skip


def _key(name: str) -> str:
    return name.strip().lower()


def numbered_groups(columns: list[ColumnInfo]) -> dict[str, list[str]]:
    """Numeric columns named prefix+number (`emb_0`…`emb_511`, or `0`…`49`), grouped by prefix and
    ordered by their number."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for c in columns:
        m = _NUMBERED.match(c.name)
        if m and c.kind in ("number", "integer"):
            groups.setdefault(m.group(1), []).append((int(m.group(2)), c.name))
    return {p: [n for _, n in sorted(v)] for p, v in groups.items()}


def detect_vectors(columns: list[ColumnInfo]) -> list[str]:
    """A named list column, else the longest list column, else the largest group of ≥ 4 numbered
    numeric columns; [] when the table has none."""
    lists = [c for c in columns if c.kind == "vector"]
    for c in lists:
        if _key(c.name) in VECTOR_NAMES:
            return [c.name]
    if lists:
        return [max(lists, key=lambda c: (c.numeric, c.dim or 0)).name]
    groups = [g for g in numbered_groups(columns).values() if len(g) >= 4]
    return max(groups, key=len) if groups else []


def looks_like_image_paths(col: ColumnInfo) -> bool:
    values = [str(v) for v in col.sample if v not in (None, "")]
    if col.kind != "string" or not values:
        return False
    hits = sum(v.lower().endswith(IMAGE_EXTS) for v in values)
    return hits >= 0.8 * len(values)


def _xy(columns: list[ColumnInfo], taken: set[str]) -> tuple[str | None, str | None]:
    numeric = {
        _key(c.name): c.name for c in columns if c.kind in ("number", "integer") and c.name not in taken
    }
    for prefix in ("", "umap_", "tsne_", "pca_", "map_", "proj_", "2d_"):
        x, y = numeric.get(prefix + "x"), numeric.get(prefix + "y")
        if x and y:
            return x, y
    return None, None


def detect_roles(columns: list[ColumnInfo], n_rows: int) -> Roles:
    """Best guesses for every role; `apply_overrides` then takes the user's choices."""
    live = [c for c in columns if not c.empty]
    roles = Roles(vectors=detect_vectors(live))
    taken = set(roles.vectors)
    roles.x, roles.y = _xy(live, taken)
    taken |= {roles.x, roles.y} - {None}
    rest = [c for c in live if c.name not in taken and c.kind != "vector"]
    images = [c for c in rest if looks_like_image_paths(c)]
    if images:
        images.sort(key=lambda c: _key(c.name) not in IMAGE_NAMES)
        roles.image = images[0].name
        taken.add(roles.image)
    roles.label = _pick_label([c for c in rest if c.name not in taken], n_rows)
    taken |= {roles.label} - {None}
    roles.text = _pick_text([c for c in rest if c.name not in taken])
    taken |= {roles.text} - {None}
    roles.other = [c.name for c in live if c.name not in taken and c.kind != "vector"]
    return roles


def _is_category(c: ColumnInfo, n_rows: int) -> bool:
    if c.kind not in ("string", "integer", "bool"):
        return False
    limit = min(MAX_LABELS, max(2, c.sampled // 2))
    return 1 <= c.unique <= limit and (c.unique < c.sampled or n_rows <= 2)


def _pick_label(rest: list[ColumnInfo], n_rows: int) -> str | None:
    named = [c for c in rest if _key(c.name) in LABEL_NAMES and _is_category(c, n_rows)]
    if named:
        return min(named, key=lambda c: LABEL_NAMES.index(_key(c.name))).name
    cats = [c for c in rest if c.kind == "string" and _is_category(c, n_rows)]
    return cats[0].name if cats else None


def _pick_text(rest: list[ColumnInfo]) -> str | None:
    strings = [c for c in rest if c.kind == "string"]
    named = [c for c in strings if _key(c.name) in TEXT_NAMES]
    if named:
        return min(named, key=lambda c: TEXT_NAMES.index(_key(c.name))).name
    varied = [c for c in strings if c.sampled and c.unique >= 0.5 * c.sampled]
    return max(varied, key=lambda c: c.unique).name if varied else None


def apply_overrides(roles: Roles, columns: list[ColumnInfo], **choices) -> Roles:
    """The user's choices win; a column chosen for one role leaves the others and the metadata.

    `choices` maps a role ("vectors", "label", "image", "text", "x", "y") to a column name, a list
    (vectors), "" for "none", or None for "keep the guess". Unknown names raise KeyError(name).
    """
    names = [c.name for c in columns]
    out = replace(roles, vectors=list(roles.vectors), other=list(roles.other))
    for role, value in choices.items():
        if value is None:
            continue
        if role == "vectors":
            value = [value] if isinstance(value, str) else list(value)
            value = expand_vector_choice(value, columns)
        for v in value if isinstance(value, list) else [value]:
            if v and v not in names:
                raise KeyError(v)
        setattr(out, role, value or ([] if role == "vectors" else None))
    chosen = [role for role in choices if choices[role] is not None]
    claimed = set(out.vectors)
    for role in chosen:
        value = getattr(out, role)
        claimed |= set(value) if isinstance(value, list) else {value}
    for role in ("label", "image", "text", "x", "y"):
        if role not in chosen and getattr(out, role) in claimed:
            setattr(out, role, None)  # the guess was taken by a chosen role
    used = out.used()
    out.other = [c.name for c in columns if c.name not in used and c.kind != "vector" and not c.empty]
    return out


def expand_vector_choice(value: list[str], columns: list[ColumnInfo]) -> list[str]:
    """`emb_*` or a prefix shared by numbered columns names the whole group."""
    if len(value) != 1 or any(c.name == value[0] for c in columns):
        return value
    prefix = value[0][:-1] if value[0].endswith("*") else value[0]
    group = numbered_groups(columns).get(prefix)
    return group if group else value


def row_fields(dataset, index: int, limit: int = 16) -> list[tuple[str, str]]:
    """(column, value) of one point of a table map, for the Inspector's field list; [] otherwise."""
    info = dataset.meta.get("table") if dataset is not None else None
    if not info:
        return []
    out = []
    for name, values in list(info["fields"].items())[:limit]:
        v = values[index]
        out.append((name, f"{v:.4g}" if isinstance(v, float) else str(v)))
    return out
