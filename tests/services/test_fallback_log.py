"""Every fallback reaches the user's log with its reason: the ONNX→torch fallback of an encoder goes
through the same progress/log channel as everything else (Log dock, CLI stderr), not stderr only."""

from __future__ import annotations

from latentview.core.progress import Log
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive
from tests.fault_tools import make_images


def test_onnx_export_failure_is_logged_with_its_reason(tmp_path, fresh_cache, tiny_embedder, capfd):
    # The tiny test encoder has no torch trunk, so its ONNX export fails and it runs as it is.
    make_images(tmp_path / "photos", 3)
    logs = []
    ds = drive(ingest_folder(str(tmp_path / "photos"), IngestOptions(model=tiny_embedder)), None, None,
               logs.append)  # fmt: skip
    assert len(ds) == 3
    notes = [e.message for e in logs if isinstance(e, Log) and "runs on torch" in e.message]
    assert len(notes) == 1 and "ONNX export failed" in notes[0] and "AttributeError" in notes[0]
    assert "runs on torch" not in capfd.readouterr().err  # said once, in the log, not twice
