"""Which code-carrying files the user agreed to open, remembered by content hash (Qt-free).

Pickles (gensim `.kv` / `.model`) and TorchScript run code when loaded. The window asks once per
file content (see `latentview.qt.common.trust_dialog`); the answer is kept as a SHA-256 in the user
config folder, so a file that changes after it was trusted is asked about again. Command lines never
read this store: there only `--trust-code` opens such a file.

Loaders take `trusted`: False (ask: return a `TrustNeeded`), True (the command line's --trust-code),
or the digest the user confirmed (checked against the file, then remembered).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass

from latentview.backends.paths import config_dir
from latentview.core.atomic import atomic_open
from latentview.core.errors import CodeTrustRequired, UserError

STORE_NAME = "trusted-files.json"


@dataclass(frozen=True)
class TrustNeeded:
    """Returned (not raised) by a loader so the window can ask and retry with `digest`."""

    path: str
    kind: str  # "gensim pickle", "TorchScript program"
    digest: str
    message: str


def file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load() -> dict:
    try:
        data = json.loads((config_dir() / STORE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_trusted(digest: str) -> bool:
    return digest in _load()


def remember(digest: str, name: str) -> None:
    data = _load()
    data[digest] = {"name": name, "trusted_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    path = config_dir() / STORE_NAME
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1))


def resolve(trusted: bool | str, path: str) -> bool:
    """Turn a loader's `trusted` argument into a yes/no for this file, before any code can run.

    A digest (the window's "yes") must still match the file: a file swapped after the question is
    refused. It is remembered, so the same content is not asked about again.
    """
    if isinstance(trusted, str):
        if file_digest(path) != trusted:
            raise UserError(f"“{os.path.basename(path)}” changed after you agreed to open it; open it again.")
        remember(trusted, os.path.basename(path))
        return True
    return bool(trusted)


def load_or_ask(load, path: str, trusted: bool | str, ask: bool):
    """Call `load(trusted_bool)`; when it needs consent the user has not given, return a TrustNeeded
    (if `ask`, with a digest the store may already know: then load at once) or re-raise."""
    ok = resolve(trusted, path)
    try:
        return load(ok)
    except CodeTrustRequired as exc:
        if ok or not ask:
            raise
        digest = file_digest(path)
        if is_trusted(digest):
            return load(True)
        return TrustNeeded(path, exc.kind, digest, str(exc))
