"""Column roles of an embeddings table, from column descriptions alone (no files)."""

import pytest

from latentview.core.table_roles import ColumnInfo, apply_overrides, detect_roles, detect_vectors


def col(name, kind, unique=50, sampled=100, sample=None, **kw):
    return ColumnInfo(name, kind, unique=unique, sampled=sampled, sample=sample or [], **kw)


def test_list_column_named_embedding_wins_over_another_list():
    cols = [col("other", "vector", dim=3), col("embedding", "vector", dim=512), col("label", "string", 5)]
    assert detect_vectors(cols) == ["embedding"]


def test_numbered_numeric_columns_form_the_vectors_in_numeric_order():
    cols = [col("id", "integer", 100)] + [
        col(f"emb_{i}", "number") for i in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)
    ]
    roles = detect_roles(cols, 100)
    assert roles.vectors == [f"emb_{i}" for i in range(11)]
    assert roles.other == ["id"]


def test_roles_label_image_text_xy_and_metadata():
    cols = [
        col("embedding", "vector", dim=8),
        col("file", "string", 100, sample=["a/1.jpg", "b/2.PNG", "c/3.jpeg"]),
        col("species", "string", 3),
        col("caption", "string", 98, sample=["a dog", "a cat"]),
        col("x", "number"),
        col("y", "number"),
        col("score", "number"),
        col("blank", "string", 1, empty=True),
    ]
    roles = detect_roles(cols, 100)
    assert (roles.image, roles.label, roles.text, roles.x, roles.y) == (
        "file",
        "species",
        "caption",
        "x",
        "y",
    )
    assert roles.other == ["score"]  # the empty column is dropped, not offered as a colour


def test_label_by_name_needs_few_values_and_ids_are_not_labels():
    cols = [col("embedding", "vector", dim=8), col("label", "string", 100), col("cls", "integer", 10)]
    assert detect_roles(cols, 100).label == "cls"


def test_no_vectors_detected_gives_empty_list():
    cols = [col("text", "string", 100), col("a", "number"), col("b", "number")]
    assert detect_roles(cols, 100).vectors == []


def test_overrides_win_and_free_the_columns_they_take():
    cols = [col("embedding", "vector", dim=8), col("species", "string", 3), col("group", "string", 4),
            col("score", "number")]  # fmt: skip
    roles = detect_roles(cols, 100)
    assert roles.label == "species"
    new = apply_overrides(roles, cols, label="group")
    assert new.label == "group" and "species" in new.other and "group" not in new.other
    assert apply_overrides(roles, cols, label="").label is None
    with pytest.raises(KeyError):
        apply_overrides(roles, cols, label="nope")


def test_vector_override_by_prefix_names_the_whole_group():
    cols = [col("feat_0", "number"), col("feat_1", "number"), col("z0", "number"), col("z1", "number"),
            col("z2", "number"), col("z3", "number")]  # fmt: skip
    assert detect_roles(cols, 10).vectors == ["z0", "z1", "z2", "z3"]
    roles = apply_overrides(detect_roles(cols, 10), cols, vectors="feat_")
    assert roles.vectors == ["feat_0", "feat_1"]
    assert set(roles.other) == {"z0", "z1", "z2", "z3"}
