"""The real offline default encoder on real photos."""

import numpy as np
import pytest

from latentview.backends.embedders import ModelUnavailable, get_embedder
from latentview.core.neighbors import nearest, normalize
from latentview.services.ingest import IngestOptions, ingest_folder
from latentview.services.runner import drive


@pytest.fixture(scope="module")
def photos_dataset(photo_folder):
    return drive(ingest_folder(str(photo_folder), IngestOptions()))


def test_same_category_photos_are_each_others_nearest_neighbours(photos_dataset):
    ds = photos_dataset
    codes, names = ds.label_codes()
    unit = normalize(ds.embeddings)
    hits = [codes[nearest(unit, unit[i], 1, exclude=i)[0][0]] == codes[i] for i in range(len(ds))]
    chance = 1 / len(names)
    assert ds.embeddings.shape[1] == 1280
    assert np.mean(hits) > 0.9 and np.mean(hits) > 8 * chance


def test_imagenet_head_names_a_coffee_photo(photos_dataset):
    ds = photos_dataset
    embedder = get_embedder("efficientnet-lite0")
    coffee = [i for i, lab in enumerate(ds.labels) if lab == "coffee"]
    top = embedder.classify(ds.embeddings[coffee], top=5)
    named = [c for row in top for c, _ in row]
    assert any(k in " ".join(named) for k in ("espresso", "cup", "coffee"))


def test_torchvision_model_offline_gives_a_sentence_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached weights
    with pytest.raises(ModelUnavailable, match="could not be downloaded"):
        get_embedder("resnet18")
    with pytest.raises(ModelUnavailable, match="Unknown model"):
        get_embedder("no-such-model")


def test_onnx_runtime_embeddings_equal_torch_on_real_photos(photo_folder):
    from latentview.backends.images import load_rgb, scan_images

    files = scan_images(str(photo_folder)).files[::11][:8]
    batch = np.stack([load_rgb(f, 224) for f in files])
    fast, ref = get_embedder("efficientnet-lite0"), get_embedder("efficientnet-lite0", "torch")
    assert fast.runtime == "onnxruntime" and ref.runtime == "torch"
    a, b = fast.embed(batch), ref.embed(batch)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cos.min() >= 0.999
