"""The user's own image models, as the Qt layer sees them: the remembered list, references
(`model#layer`), the "Add model…" dialog's preprocessing, and consent for TorchScript files.

The Qt layer talks to services only (tests/test_layers.py); this is its door to backends.own_models,
plus the background reading of an ONNX file as a generator for the task runner.
"""

from __future__ import annotations

import os

from latentview.backends.own_models import (
    OwnModel,
    Preprocessing,
    describe_onnx,
    file_kind,
    file_sha256,
    is_trusted,
    load_registry,
    make_ref,
    parse_triple,
    remember,
    split_ref,
    trust_code_file,
)
from latentview.core.progress import Progress

__all__ = ["OwnModel", "Preprocessing", "describe_task", "file_kind", "file_sha256", "is_trusted",
           "load_registry", "make_ref", "parse_triple", "remember", "split_ref", "trust_code_file"]  # fmt: skip


def describe_task(path: str):
    """Generator for the runner: (graph info, preprocessing from its metadata, fields it lacks)."""
    yield Progress(0, 1, f"Reading {os.path.basename(path)}")
    return describe_onnx(path)
