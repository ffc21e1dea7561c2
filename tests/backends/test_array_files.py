"""Hostile .npy/.npz files are refused by their headers, before numpy allocates anything: a huge
declared shape in a tiny file, a compression bomb, object arrays, truncated and malformed headers —
through the shared checker and through the readers that use it (tables, GAN directions, sessions)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from latentview.backends import array_files
from latentview.backends.array_files import ArrayFileError, npy_header, npz_headers_at
from latentview.backends.tables import TableError, open_source
from latentview.core.errors import UserError


def _npy_bytes(arr=None, header: dict | None = None, tail: bytes = b"\0" * 64) -> bytes:
    buf = io.BytesIO()
    if header is None:
        np.save(buf, arr, allow_pickle=True)
    else:  # a header that promises whatever it likes, then a few bytes
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(tail)
    return buf.getvalue()


def _huge(shape=(1_000_000, 1_000_000), descr="<f8") -> bytes:
    return _npy_bytes(header={"descr": descr, "fortran_order": False, "shape": shape})


def _npz(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, raw in members.items():
            zf.writestr(f"{name}.npy", raw)
    return path


def _sentence(exc, *names: str) -> str:
    text = str(exc)
    assert "\n" not in text and text.endswith(".") and all(n in text for n in names), text
    return text


def test_sound_files_pass_and_report_their_headers(tmp_path):
    x = (np.random.default_rng(0).integers(0, 256, (500, 3072)) / 255).astype(np.float32)  # raw-pixel-like
    np.save(tmp_path / "v.npy", x)
    assert npy_header(str(tmp_path / "v.npy")) == ((500, 3072), np.dtype("<f4"))
    np.savez_compressed(tmp_path / "t.npz", vectors=x, label=np.array(["cat", "dog"] * 250))
    heads = npz_headers_at(str(tmp_path / "t.npz"))
    assert heads == {"vectors": ((500, 3072), np.dtype("<f4")), "label": ((500,), np.dtype("<U3"))}


def test_a_tiny_file_declaring_a_huge_array_is_refused_without_allocating(tmp_path):
    (tmp_path / "big.npy").write_bytes(_huge())
    stored = _npz(tmp_path / "stored.npz", {"vectors": _huge()})
    deflated = _npz(tmp_path / "deflated.npz", {"vectors": _huge()}, zipfile.ZIP_DEFLATED)
    tracemalloc.start()
    try:
        for check, path in (
            (npy_header, tmp_path / "big.npy"),
            (npz_headers_at, stored),
            (npz_headers_at, deflated),
        ):
            with pytest.raises(ArrayFileError) as err:
                check(str(path))
            assert "1,000,000 × 1,000,000" in _sentence(err.value, path.name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20  # 8 TB declared; nothing near it (or anything big) was allocated


def test_a_compression_bomb_is_refused_by_its_expansion(tmp_path, monkeypatch):
    # 8 MB of zeros deflate to ~8 KB: ~1,000× expansion; the floor is lowered so the test stays small
    monkeypatch.setattr(array_files, "EXPANSION_FLOOR", 1 << 20)
    bomb = _npz(tmp_path / "bomb.npz", {"x": _npy_bytes(np.zeros((1000, 1000)))}, zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ArrayFileError) as err:
        npz_headers_at(str(bomb))
    assert "expansion" in _sentence(err.value, "bomb.npz")
    monkeypatch.setattr(array_files, "MAX_EXPANSION", 10_000)  # the same file under a looser bound reads
    assert npz_headers_at(str(bomb)) == {"x": ((1000, 1000), np.dtype("<f8"))}


def test_absolute_cap_holds_even_when_the_bytes_are_there(tmp_path, monkeypatch):
    monkeypatch.setattr(array_files, "MAX_ARRAY_BYTES", 1000)
    np.save(tmp_path / "v.npy", np.zeros((20, 20), np.float32))  # 1,600 bytes, honestly stored
    with pytest.raises(ArrayFileError) as err:
        npy_header(str(tmp_path / "v.npy"))
    _sentence(err.value, "v.npy", "‘v’")


def test_object_arrays_and_malformed_headers_are_refused(tmp_path):
    cases = {
        "obj.npy": _npy_bytes(np.array(["a", None], dtype=object)),
        "truncated.npy": _npy_bytes(np.arange(10.0))[:20],  # cut inside the header
        "negative.npy": _huge(shape=(-1, 4)),
        "badmagic.npy": b"\x93NUMPX" + b"\0" * 100,
        "baddtype.npy": _huge(shape=(2,), descr="<q9"),
    }
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(ArrayFileError) as err:
            npy_header(str(tmp_path / name))
        _sentence(err.value, name)
        z = _npz(tmp_path / f"{name}.npz", {"ok": _npy_bytes(np.arange(3)), "bad": raw})
        with pytest.raises(ArrayFileError) as err:
            npz_headers_at(str(z))
        _sentence(err.value, z.name, "‘bad’")
    whole = _npz(tmp_path / "cut.npz", {"x": _npy_bytes(np.arange(1000.0))})
    whole.write_bytes(whole.read_bytes()[:-30])  # the zip directory cut off
    with pytest.raises(ArrayFileError) as err:
        npz_headers_at(str(whole))
    _sentence(err.value, "cut.npz")
    with pytest.raises(ArrayFileError) as err:
        npz_headers_at(str(tmp_path / "missing.npz"))
    _sentence(err.value, "missing.npz")


def test_tables_and_gan_directions_refuse_hostile_arrays_in_one_sentence(tmp_path):
    from latentview.services.gan import load_directions

    (tmp_path / "big.npy").write_bytes(_huge())
    _npz(tmp_path / "big.npz", {"embeddings": _huge(), "label": _npy_bytes(np.arange(3))})
    _npz(tmp_path / "obj.npz", {"embeddings": _npy_bytes(np.zeros((3, 2))), "names": _npy_bytes(np.array([1, "a"], object))})  # fmt: skip
    for name, member in (("big.npy", "‘big’"), ("big.npz", "‘embeddings’"), ("obj.npz", "‘names’")):
        with pytest.raises(TableError) as err:
            open_source(str(tmp_path / name))
        _sentence(err.value, name, member)
    with pytest.raises(UserError) as err:
        load_directions(tmp_path / "big.npz", 2)
    _sentence(err.value, "big.npz", "‘embeddings’")


def test_a_session_sidecar_is_refused_by_the_same_check(tmp_path):
    from latentview.services.session_file import SessionFileError, load_session
    from tests.services.test_session_schema import _valid

    path = _valid(tmp_path)
    items = _npy_bytes(np.array(list("abcd")))
    _npz(tmp_path / "s.data.npz", {"items": items, "labels": items, "embeddings": _huge(shape=(4, 10**9), descr="<f4")},
         zipfile.ZIP_DEFLATED)  # fmt: skip
    with pytest.raises(SessionFileError) as err:
        load_session(path)
    _sentence(err.value, "s.data.npz", "‘embeddings’", "4 × 1,000,000,000")
