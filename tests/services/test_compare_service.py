"""services/compare: datasets matched by id, measures over the shared items, the layers sweep."""

import numpy as np
import pytest

from latentview.core.dataset import Dataset
from latentview.services.compare import (
    CompareError,
    compare_datasets,
    layer_sweep,
    parse_space,
)
from latentview.services.runner import drive


def _space(n=400, d=24, c=5, seed=0):
    rng = np.random.default_rng(seed)
    lab = rng.integers(0, c, n)
    x = rng.normal(size=(c, d))[lab] * 4 + rng.normal(size=(n, d))
    items = [f"/data/img_{i:04d}.png" for i in range(n)]
    return Dataset("images", items, [f"c{v}" for v in lab], x.astype(np.float32), source="/data")


def test_itself_gives_overlap_one_and_cka_one():
    a = _space()
    cmp = drive(compare_datasets(a, a, k=10))
    assert cmp.result.mean_overlap == pytest.approx(1.0)
    assert cmp.result.cka == pytest.approx(1.0)
    assert cmp.result.accuracy_a == cmp.result.accuracy_b > 0.9
    assert (cmp.only_a, cmp.only_b) == (0, 0)


def test_a_rotated_space_with_rows_in_another_order_is_matched_by_id():
    a = _space()
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(24, 24)))
    order = np.random.default_rng(2).permutation(len(a))
    b = Dataset("images", [a.items[i] for i in order], [a.labels[i] for i in order],
                (a.embeddings @ q).astype(np.float32)[order])  # fmt: skip
    cmp = drive(compare_datasets(a, b, k=10))
    assert np.array_equal(order[cmp.ib], cmp.ia)  # B's row for each of A's items
    assert cmp.result.mean_overlap > 0.99 and cmp.result.cka == pytest.approx(1.0, abs=1e-6)


def test_shuffled_vectors_overlap_is_near_chance():
    a = _space(n=1000, d=16)
    rng = np.random.default_rng(3)
    b = Dataset("images", a.items, a.labels, a.embeddings[rng.permutation(len(a))])
    cmp = drive(compare_datasets(a, b, k=10))
    assert cmp.result.mean_overlap < 0.05  # k/N = 0.01 for unstructured data; clusters raise it a little
    assert cmp.result.accuracy_b < 0.4 < 0.9 < cmp.result.accuracy_a


def test_partial_overlap_is_counted_and_nothing_shared_is_one_sentence():
    a = _space(n=300)
    b = Dataset("images", [*a.items[100:], "/else/x.png"], [*a.labels[100:], "c0"],
                np.vstack([a.embeddings[100:], np.ones((1, 24), np.float32)]))  # fmt: skip
    cmp = drive(compare_datasets(a, b))
    assert (len(cmp.ia), cmp.only_a, cmp.only_b) == (200, 100, 1)
    other = Dataset("images", ["/x/1", "/x/2"], ["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(CompareError, match="share 0 item"):
        drive(compare_datasets(a, other))


def test_space_specs(tmp_path):
    (tmp_path / "pics").mkdir()
    folder = str(tmp_path / "pics")
    assert parse_space(folder).model == "efficientnet-lite0"
    assert parse_space(folder + "@efficientnet-lite0#stage3").model == "efficientnet-lite0#stage3"
    assert parse_space(folder + "#raw-pixels").model == "efficientnet-lite0#raw-pixels"
    assert parse_space(folder + "@#stage2", "resnet18").model == "resnet18#stage2"
    assert parse_space(folder + "@mine.onnx").path == folder
    table = tmp_path / "t.parquet"
    table.write_bytes(b"x")
    assert parse_space(str(table)).model is None


def test_layer_sweep_on_real_photos_rises_from_raw_pixels(photo_folder):
    """The real EfficientNet-Lite0, every layer, through the ingest pipeline and its cache."""
    events = []
    gen = layer_sweep(str(photo_folder), "efficientnet-lite0", k=5)
    sweep = drive(gen, events.append)
    names = [r.layer for r in sweep.rows]
    assert names == ["raw-pixels", *[f"stage{i}" for i in range(1, 8)], "last"]
    assert [r.dims for r in sweep.rows] == [3072, 16, 24, 40, 80, 112, 192, 320, 1280]
    acc = [r.accuracy for r in sweep.rows]
    # the varied demo (several sources per kind): raw pixels barely beat chance (1/11), the network separates
    assert acc[0] < acc[2] <= acc[-1] and acc[-1] > acc[0] + 0.3 and acc[0] < 0.5
    last = sweep.rows[-1]
    assert last.overlap_last == pytest.approx(1.0) and last.cka_last == pytest.approx(1.0)
    assert sweep.rows[0].overlap_last < sweep.rows[-2].overlap_last
    assert any("stage4 (5/9)" in e.message for e in events)
    again = drive(layer_sweep(str(photo_folder), "efficientnet-lite0", k=5))  # all from the cache now
    assert [r.accuracy for r in again.rows] == acc


def test_layer_sweep_is_cancelled_at_a_yield(photo_folder):
    gen = layer_sweep(str(photo_folder), "efficientnet-lite0", layers=["raw-pixels"])
    next(gen)
    gen.close()  # what the task runner does on Cancel: the ingest's finally blocks run
    with pytest.raises(StopIteration):
        next(gen)
