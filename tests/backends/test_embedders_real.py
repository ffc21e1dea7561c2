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
