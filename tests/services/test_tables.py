"""Every table format opens to the same map; every bad table is one sentence naming file, column or row."""

import os

import numpy as np
import pytest

from latentview.backends.tables import TableError
from latentview.services.runner import drive
from latentview.services.tables import TableSpec, open_table
from tests.table_files import KINDS, N, space, write_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("tables"))


def load(path, **kw):
    logs = []
    ds = drive(open_table(TableSpec(str(path), **kw)), on_log=logs.append)
    return ds, logs


@pytest.mark.parametrize(
    "fmt", ["parquet", "parquet_list", "shards", "feather", "csv", "npy", "npz", "projector"]
)
def test_each_format_gives_the_same_points_labels_and_names(files, fmt):
    x, labels, texts = space()
    ds, logs = load(files[fmt])
    assert ds.kind == "table" and len(ds) == N and not logs
    np.testing.assert_allclose(np.asarray(ds.embeddings, np.float32), x, rtol=1e-6, atol=1e-6)
    assert ds.labels == labels
    assert ds.items == texts  # the text column names each point
    assert ds.meta["table"]["roles"]["label"] == "label"


def test_parquet_and_npy_vectors_are_not_copied(files):
    ds, _ = load(files["npy"])
    assert isinstance(ds.embeddings.base, np.memmap) or isinstance(ds.embeddings, np.memmap)
    ds, _ = load(files["feather"])  # memory-mapped Arrow file: the vectors are the file's own buffer
    assert not ds.embeddings.flags.owndata


def test_metadata_columns_become_colour_by_and_inspector_fields(files):
    from latentview.core.explore import metadata_columns
    from latentview.core.table_roles import row_fields

    ds, _ = load(files["parquet"])
    assert metadata_columns(ds) == ["score"]
    fields = dict(row_fields(ds, 3))
    assert fields["label"] == "apple" and fields["name"] == "apple number 3" and "score" in fields


def test_role_overrides_from_the_spec(files):
    ds, _ = load(files["parquet"], choices={"label": "", "text": ""})
    assert set(ds.labels) == {"(no label)"} and ds.items[0] == "row 0"
    ds, _ = load(files["csv"], choices={"vectors": "emb_", "label": "name"})
    assert ds.embeddings.shape == (N, 12) and ds.labels[0] == "apple number 0"


def test_single_column_metadata_tsv_has_no_header(tmp_path):
    x, labels, _ = space()
    np.save(tmp_path / "v.npy", x)
    (tmp_path / "labels.tsv").write_text("".join(f"{v}\n" for v in labels))
    ds, _ = load(tmp_path / "v.npy", metadata=str(tmp_path / "labels.tsv"))
    assert ds.labels == labels  # the first line is a label, not a header


def test_given_xy_is_the_layout(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    x, labels, _ = space()
    pq.write_table(pa.table({"label": labels, "x": np.arange(N) * 1.0, "y": -np.arange(N) * 1.0,
                             "embedding": pa.array(x.tolist(), pa.list_(pa.float32()))}), tmp_path / "m.parquet")  # fmt: skip
    ds, _ = load(tmp_path / "m.parquet")
    np.testing.assert_array_equal(ds.meta["table"]["xy"][:, 0], np.arange(N))


def test_image_path_column_makes_an_image_map_with_resolved_paths(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    x, labels, _ = space()
    rel = [f"img/{i}.png" for i in range(N)]
    pq.write_table(
        pa.table({"file": rel, "label": labels, "emb": pa.array(x.tolist())}), tmp_path / "t.parquet"
    )
    ds, _ = load(tmp_path / "t.parquet")
    assert ds.kind == "images" and ds.items[5] == os.path.join(str(tmp_path), "img", "5.png")


def test_nan_and_inf_rows_are_skipped_and_counted(tmp_path):
    x, _, _ = space()
    x[[4, 17], [0, 3]] = [np.nan, np.inf]
    np.save(tmp_path / "bad.npy", x)
    ds, logs = load(tmp_path / "bad.npy")
    assert len(ds) == N - 2 and ds.meta["table"]["n_rows"] == N
    assert [f.item for f in ds.failures] == ["row 4", "row 17"]
    assert "2 rows skipped" in logs[0].message and "row 4" in logs[0].message


def test_big_sets_are_stored_as_float16_without_a_float32_copy(tmp_path, monkeypatch):
    import latentview.services.tables as svc

    monkeypatch.setattr(svc, "HALF_PRECISION_ABOVE", 100)
    x, _, _ = space()
    np.save(tmp_path / "v.npy", x)
    ds, _ = load(tmp_path / "v.npy")
    assert ds.embeddings.dtype == np.float16
    np.testing.assert_allclose(ds.embeddings.astype(np.float32), x, rtol=1e-3, atol=1e-2)


def _write_parquet(path, **cols):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(cols), path)


def _bad_cases(tmp):
    import pyarrow as pa

    x, labels, _ = space(n=6)
    (tmp / "zero.parquet").write_bytes(b"")
    good = tmp / "good.parquet"
    _write_parquet(good, label=labels, embedding=pa.array(x.tolist()))
    (tmp / "truncated.parquet").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _write_parquet(tmp / "novec.parquet", label=labels, note=["a b"] * 6)
    _write_parquet(
        tmp / "ragged.parquet", emb=pa.array([[1.0, 2.0, 3.0]] * 4 + [[1.0, 2.0]] + [[1.0, 2.0, 3.0]])
    )
    _write_parquet(tmp / "text.parquet", emb=pa.array([["a", "b"]] * 6))
    _write_parquet(tmp / "empty.parquet", emb=pa.array([], pa.list_(pa.float32())))
    _write_parquet(tmp / "allnan.parquet", emb=pa.array([[float("nan"), 1.0]] * 3))
    np.save(tmp / "meta.npy", x)
    (tmp / "meta.tsv").write_text("label\tname\n" + "a\tb\n" * 5)
    (tmp / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5\n")
    np.save(tmp / "three_d.npy", np.zeros((2, 3, 4), np.float32))
    return {
        "zero.parquet": ("zero.parquet", "0 bytes"),
        "truncated.parquet": ("truncated.parquet", "cannot be read"),
        "novec.parquet": ("novec.parquet", "no vector column"),
        "ragged.parquet": ("'emb'", "row 4 has 2 numbers"),
        "text.parquet": ("'emb'", "text, not numbers"),
        "empty.parquet": ("empty.parquet", "no rows"),
        "allnan.parquet": ("allnan.parquet", "NaN"),
        "meta.npy": ("meta.tsv", "5 rows but meta.npy has 6"),
        "ragged.csv": ("ragged.csv", "line 3 has 2 fields"),
        "three_d.npy": ("three_d.npy", "3-D"),
    }


def test_every_bad_table_is_one_sentence_naming_what_is_wrong(tmp_path):
    for name, (where, what) in _bad_cases(tmp_path).items():
        with pytest.raises(TableError) as err:
            load(tmp_path / name)
        msg = str(err.value)
        assert where in msg and what in msg, (name, msg)
        assert "\n" not in msg and "Traceback" not in msg


def test_a_chosen_column_that_is_not_numeric_is_refused(files):
    with pytest.raises(TableError, match="'label' holds text, not vectors"):
        load(files["parquet"], choices={"vectors": "label"})
    with pytest.raises(TableError, match="has no column 'nope'"):
        load(files["parquet"], choices={"vectors": "nope"})
    with pytest.raises(TableError, match="not found"):
        load(files["parquet"] + ".missing")


def test_text_table_without_vectors_is_refused_unless_asked(tmp_path):
    (tmp_path / "t.csv").write_text(
        "sentence,topic\n" + "".join(f"{k} {i},{k}\n" for i, k in enumerate(KINDS))
    )
    with pytest.raises(TableError, match="--embed-text sentence"):
        load(tmp_path / "t.csv")


def test_reading_reports_progress_per_block_and_stops_when_closed(tmp_path):
    from latentview.core.progress import Progress

    np.save(tmp_path / "big.npy", np.ones((300_000, 4), np.float32))
    gen = open_table(TableSpec(str(tmp_path / "big.npy")))
    seen = [e for e in (next(gen) for _ in range(3)) if isinstance(e, Progress)]
    assert any(p.message == "Reading vectors" and 0 < p.done < 300_000 for p in seen)
    gen.close()  # what the task runner does on Cancel: no dataset, nothing else touched
    with pytest.raises(StopIteration):
        next(gen)


def test_headerless_csv_and_arrow_ipc_stream(tmp_path):
    import pyarrow as pa

    x, labels, _ = space()
    np.savetxt(tmp_path / "plain.csv", x, delimiter=",")
    ds, _ = load(tmp_path / "plain.csv")  # numbers from the first line: no header
    np.testing.assert_allclose(ds.embeddings, x, atol=1e-6)
    table = pa.table(
        {"label": labels, "embedding": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), 12)}
    )
    with pa.OSFile(str(tmp_path / "s.arrow"), "wb") as f, pa.ipc.new_stream(f, table.schema) as w:
        w.write_table(table)
    ds, _ = load(tmp_path / "s.arrow")
    assert ds.labels == labels and np.array_equal(ds.embeddings, x)
