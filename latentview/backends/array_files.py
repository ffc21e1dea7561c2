"""`.npy` / `.npz` files from anywhere, checked by their headers before a byte of array data is read.

`np.load(..., allow_pickle=False)` refuses pickles but believes the header: a 1 KB compressed `.npz`
can declare a (10⁶ × 10⁶) float64 array, and numpy allocates it before finding the data missing. So
every array header (shape × dtype) is read first and the file refused, with one sentence naming the
file and the array, when an array:

- has a malformed header (bad magic, unknown version, negative or non-integer dimensions, a dtype
  numpy cannot read) or holds Python objects;
- declares more bytes than the file (a `.npy`) or its zip member (an `.npz`) says it holds;
- declares more than MAX_ARRAY_BYTES (16 GiB: 4 G float32 numbers, the most a session may hold,
  and four times what a million 1,024-d float32 rows need);
- or, with the others of an `.npz`, more than MAX_EXPANSION × the file's size on disk (floor
  EXPANSION_FLOOR). Deflate can expand ~1,000×; real files expand far less (measured: float32 model
  features 1.1–1.9×, raw-pixel features 4.1×, int64 labels 10×, file paths as numpy text 45×, and a
  whole file mixes these), so 64× refuses only bombs while a small file still can't choose a big
  allocation.

Sessions (services/session_schema.py), tables (backends/tables.py) and GAN directions use these.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable

import numpy as np

from latentview.core.errors import UserError
from latentview.core.textsafe import display_path, printable

MAX_ARRAY_BYTES = 16 << 30
MAX_EXPANSION = 64
EXPANSION_FLOOR = 64 << 20
MAX_MEMBERS = 100_000

Header = tuple[tuple[int, ...], np.dtype]  # (shape, dtype)


class ArrayFileError(UserError):
    """An array file refused by its headers; the message names the file and the array."""


def _size(n: int) -> str:
    for unit, shift in (("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):,.1f} {unit}"
    return f"{n} bytes"


def read_header(fh) -> tuple[Header, int]:
    """((shape, dtype), header length) of the `.npy` stream at its start; ValueError when malformed."""
    version = np.lib.format.read_magic(fh)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unknown .npy version {version}")
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _fortran, dtype = reader(fh)
    if any(d < 0 for d in shape):
        raise ValueError("negative dimension")
    return (tuple(int(d) for d in shape), dtype), fh.tell()


def _declared(header: Header) -> int:
    shape, dtype = header
    return math.prod(shape) * dtype.itemsize


def _check(shown: str, array: str, header: Header, room: int, error: Callable[[str], Exception]) -> int:
    """Bytes the array declares, after the per-array rules."""
    shape, dtype = header
    what = f"{shown}: array ‘{printable(array[:60])}’"
    room = max(room, 0)
    if dtype.hasobject:
        raise error(f"{what} holds Python objects, which latentview never reads; save plain numbers or text.")
    need = _declared(header)
    dims = " × ".join(f"{d:,}" for d in shape) or "one"
    if need > room:
        raise error(f"{what} declares {dims} {dtype} values ({_size(need)}) but the file holds only "
                    f"{_size(room)} for it; it is damaged or built to exhaust memory.")  # fmt: skip
    if need > MAX_ARRAY_BYTES:
        raise error(f"{what} declares {_size(need)} of values, more than the {_size(MAX_ARRAY_BYTES)} "
                    "latentview reads from one array.")  # fmt: skip
    return need


def npy_header(path: str, error: Callable[[str], Exception] = ArrayFileError) -> Header:
    """(shape, dtype) of a `.npy` file, checked against the rules above; else `error(sentence)`."""
    shown = printable(display_path(os.path.basename(path)))
    try:
        with open(path, "rb") as fh:
            header, offset = read_header(fh)
            size = os.fstat(fh.fileno()).st_size
    except (ValueError, EOFError):
        raise error(f"{shown} is not a readable .npy array file (its header is malformed).") from None
    except OSError as exc:
        raise error(f"{shown} cannot be read: {exc.strerror or exc}.") from None
    _check(shown, os.path.splitext(os.path.basename(path))[0], header, size - offset, error)
    return header


def npz_headers(zf: zipfile.ZipFile, file_size: int, shown: str,
                error: Callable[[str], Exception] = ArrayFileError) -> dict[str, Header]:  # fmt: skip
    """{array name: (shape, dtype)} of an open `.npz` whose file is `file_size` bytes on disk, every
    array checked by the rules above before any is read; else `error(sentence)` naming `shown`."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise error(f"{shown} holds {len(infos):,} entries; latentview reads at most {MAX_MEMBERS:,}.")
    out: dict[str, Header] = {}
    total = 0
    for info in infos:
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        try:
            with zf.open(info) as fh:
                header, offset = read_header(fh)
        except (ValueError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError):
            raise error(
                f"{shown}: array ‘{printable(name[:60])}’ is not a readable .npy entry (malformed header)."
            ) from None
        total += _check(shown, name, header, info.file_size - offset, error)
        out[name] = header
    if total > max(MAX_EXPANSION * file_size, EXPANSION_FLOOR):
        raise error(f"{shown} declares {_size(total)} of arrays in a {_size(file_size)} file, more than "
                    f"{MAX_EXPANSION}× expansion; it is damaged or built to exhaust memory.")  # fmt: skip
    return out


def npz_headers_at(path: str, error: Callable[[str], Exception] = ArrayFileError) -> dict[str, Header]:
    """`npz_headers` of the `.npz` file at `path`."""
    shown = printable(display_path(os.path.basename(path)))
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            return npz_headers(zf, os.fstat(fh.fileno()).st_size, shown, error)
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise error(f"{shown} is not a readable .npz archive.") from None
    except OSError as exc:
        raise error(f"{shown} cannot be read: {exc.strerror or exc}.") from None
