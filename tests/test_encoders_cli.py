"""`latentview embed --model PATH.onnx --layer NAME` and TorchScript's --trust-code, in a subprocess."""

import pyarrow.parquet as pq

from tests.backends.test_own_encoders import _torchscript_file, export_cnn
from tests.test_cli import _cli


def test_embed_with_own_onnx_model_at_a_chosen_layer(photo_folder, tmp_path):
    path = export_cnn(tmp_path / "mine.onnx")
    out = tmp_path / "map.parquet"
    res = _cli("embed", str(photo_folder), "-o", str(out), "--projection", "pca", "--model", path,
               "--layer", "/1/Relu_output_0")  # fmt: skip
    assert res.returncode == 0, res.stderr
    table = pq.read_table(out).to_pydict()
    assert len(table["path"]) == 88 and {len(e) for e in table["embedding"]} == {8}
    bad = _cli("embed", str(photo_folder), "-o", str(out), "--model", path, "--layer", "nope")
    assert bad.returncode != 0 and "No tensor 'nope'" in bad.stderr and "Traceback" not in bad.stderr


def test_torchscript_model_needs_trust_code(photo_folder, tmp_path):
    path = _torchscript_file(tmp_path)
    out = tmp_path / "map.csv"
    refused = _cli("embed", str(photo_folder), "-o", str(out), "--projection", "pca", "--model", path)
    assert refused.returncode != 0 and "is a program" in refused.stderr and "--trust-code" in refused.stderr
    assert "Traceback" not in refused.stderr and not out.exists()
    ok = _cli(
        "embed", str(photo_folder), "-o", str(out), "--projection", "pca", "--model", path, "--trust-code"
    )
    assert ok.returncode == 0, ok.stderr
    assert "embedded 88" in ok.stdout
