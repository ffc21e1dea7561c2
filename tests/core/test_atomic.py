"""The one atomic-write helper: complete file or old file, never a partial or stray temp file."""

from __future__ import annotations

import os
import threading

import pytest

from latentview.core.atomic import (
    OutputError,
    atomic_dir,
    atomic_open,
    atomic_path,
    check_writable,
    write_text,
)
from latentview.core.errors import UserError, guard, user_message


def test_success_replaces_the_file_with_the_usual_mode(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_open(target, "w") as fh:
        fh.write("a,b\n")
        assert not target.exists()  # nothing visible until complete
    assert target.read_text() == "a,b\n"
    assert os.listdir(tmp_path) == ["out.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600


def test_failure_keeps_the_old_file_and_removes_the_temp_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "w") as fh:
                fh.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.csv"]


def test_an_os_error_becomes_one_sentence_naming_the_target(tmp_path):
    target = tmp_path / "absent" / "out.csv"
    with pytest.raises(OutputError) as info:
        write_text(target, "x")
    assert str(info.value) == f"Cannot write {target}: No such file or directory."
    assert isinstance(info.value, UserError) and isinstance(info.value, OSError)
    with pytest.raises(OutputError, match="it is a folder"):
        check_writable(tmp_path)


def test_temp_names_are_unique_across_threads_and_keep_the_extension(tmp_path):
    target = tmp_path / "thumb.jpg"
    names, errors = [], []

    def write(i: int) -> None:
        try:
            with atomic_path(target) as tmp:
                names.append(tmp)
                with open(tmp, "w") as fh:
                    fh.write(str(i) * 1000)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(names)) == 8
    assert all(n.endswith(".jpg") for n in names)
    assert os.listdir(tmp_path) == ["thumb.jpg"] and len(set(target.read_text())) == 1


def test_atomic_dir_replaces_a_folder(tmp_path):
    target = tmp_path / "cache-entry"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_dir(target) as tmp:
        (tmp_path / tmp / "new.txt").write_text("new")
    assert os.listdir(target) == ["new.txt"] and os.listdir(tmp_path) == ["cache-entry"]


def test_guard_turns_any_exception_into_one_reported_sentence():
    said = []
    with guard(said.append) as g:
        raise PermissionError(13, "Permission denied", "/x/y.csv")
    assert g.error == said[0] == "Permission denied: /x/y.csv."
    with guard(said.append) as g:
        pass
    assert g.error is None and len(said) == 1
    with pytest.raises(KeyError):  # only what it is told to catch
        with guard(said.append, catch=(UserError,)):
            raise KeyError("k")
    assert user_message(RecursionError()) == "The structure is nested too deeply to process."
