"""Tables of text: the real offline sentence model (all-MiniLM-L6-v2), its cache, the project CLI."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from latentview.services.runner import drive
from latentview.services.tables import TableSpec, open_table

TEXTS = [("The cat sat on the mat", "animals"), ("A kitten chased a mouse", "animals"),
         ("Dogs love to play fetch in the park", "animals"), ("Stocks fell sharply on Monday", "finance"),
         ("The central bank raised interest rates", "finance"), ("Investors sold their shares", "finance")]  # fmt: skip


@pytest.fixture
def text_csv(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("sentence,topic\n" + "".join(f"{s},{t}\n" for s, t in TEXTS))
    return path


@pytest.mark.slow
def test_embed_text_column_gives_meaningful_neighbours_and_is_cached(text_csv, fresh_cache, monkeypatch):
    ds = drive(open_table(TableSpec(str(text_csv), embed_text="sentence")))
    assert ds.embeddings.shape == (6, 384) and ds.model.startswith("all-MiniLM-L6-v2")
    np.testing.assert_allclose(np.linalg.norm(ds.embeddings, axis=1), 1, atol=1e-5)
    sims = ds.embeddings @ ds.embeddings.T
    assert np.argsort(-sims[0])[1] == 1  # cat → kitten
    assert np.argsort(-sims[3])[1] in (4, 5)  # stocks → bank / investors
    import latentview.backends.sentence as sentence

    monkeypatch.setattr(sentence, "get_model", lambda: pytest.fail("the cache should answer"))
    again = drive(open_table(TableSpec(str(text_csv), embed_text="sentence")))
    np.testing.assert_array_equal(again.embeddings, ds.embeddings)


@pytest.mark.slow
def test_project_cli_embed_text(text_csv, tmp_path, capsys):
    from latentview.cli.project import main

    out = tmp_path / "o.parquet"
    assert main([str(text_csv), "-o", str(out), "--projection", "pca", "--embed-text", "sentence"]) == 0
    t = pq.read_table(out)
    assert t.column_names == ["sentence", "topic", "x", "y"] and t.num_rows == 6
    assert main([str(text_csv), "-o", str(out), "--embed-text", "nope"]) == 1
    assert "no text column 'nope'" in capsys.readouterr().err
