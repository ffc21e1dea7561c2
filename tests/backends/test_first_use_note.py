"""The one-time ONNX export of a built-in encoder is announced before it starts, and only then."""

from latentview.backends import embedders, onnx_runtime


def test_first_use_is_announced_until_the_export_is_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(embedders, "_loaded", {})  # as a fresh process: no encoder loaded yet
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LATENTVIEW_PREBUILT_DIR", raising=False)
    monkeypatch.delenv("LATENTVIEW_RUNTIME", raising=False)
    note = embedders.first_use_note("efficientnet-lite0")
    assert note and note.startswith("First use of EfficientNet") and "once" in note
    onnx_file, meta_file = onnx_runtime.model_paths("efficientnet-lite0")
    onnx_file.write_bytes(b"x")
    assert embedders.first_use_note("efficientnet-lite0")  # half an export is still pending
    meta_file.write_text("{}")
    assert embedders.first_use_note("efficientnet-lite0") is None
    assert embedders.first_use_note("efficientnet-lite0#stage3") is None  # layers read the same export


def test_no_note_once_the_encoder_runs_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LATENTVIEW_PREBUILT_DIR", raising=False)
    monkeypatch.delenv("LATENTVIEW_RUNTIME", raising=False)
    monkeypatch.setattr(embedders, "_loaded", {"efficientnet-lite0:auto": object()})
    assert embedders.first_use_note("efficientnet-lite0") is None


def test_no_note_for_torch_runtime_or_a_shipped_model(tmp_path, monkeypatch):
    monkeypatch.setattr(embedders, "_loaded", {})
    monkeypatch.setenv("LATENTVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LATENTVIEW_RUNTIME", "torch")
    assert embedders.first_use_note("efficientnet-lite0") is None
    monkeypatch.delenv("LATENTVIEW_RUNTIME")
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / f"efficientnet-lite0-v{onnx_runtime.EXPORT_VERSION}.onnx").write_bytes(b"x")
    monkeypatch.setenv("LATENTVIEW_PREBUILT_DIR", str(shipped))
    assert embedders.first_use_note("efficientnet-lite0") is None
    assert embedders.first_use_note("no-such-model") is None
