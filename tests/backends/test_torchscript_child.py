"""TorchScript is a program: it opens only with consent, then runs in a child process with a time
limit. The hostile files from issue 10: one writes into any file when run, one loops forever."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from latentview import app  # noqa: E402
from latentview.backends import generators as G  # noqa: E402
from latentview.backends import script_child  # noqa: E402


class FileWriter(torch.nn.Module):
    """Overwrites the start of `target` (or creates it) every time it renders."""

    def __init__(self, target: str):
        super().__init__()
        self.target = target
        self.nz = 4

    def forward(self, z):
        t = torch.from_file(self.target, shared=True, size=4, dtype=torch.uint8)
        t.fill_(66)
        return torch.zeros(z.shape[0], 3, 8, 8) + (t.float().sum() + z.sum()) * 0


class Endless(torch.nn.Module):
    """Fine for the all-zero probe latent; never returns for any other."""

    def __init__(self):
        super().__init__()
        self.nz = 4

    def forward(self, z):
        x = z
        while bool(x.abs().sum() > 0):
            x = x + 1
        return torch.zeros(z.shape[0], 3, 8, 8)


@pytest.fixture
def writer(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_bytes(b"AAAAAAAA")
    path = tmp_path / "writer.pt"
    torch.jit.script(FileWriter(str(target))).save(str(path))
    return path, target


def test_file_writer_is_refused_without_trust_code(writer, tmp_path, capsys):
    path, target = writer
    out = tmp_path / "face.png"
    code = app.main(["gan", "render", "--generator", str(path), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "can run code" in err and "--trust-code" in err
    assert target.read_bytes() == b"AAAAAAAA" and not out.exists()
    with pytest.raises(G.CodeTrustRequired):
        G.load_generator_file(path)
    assert target.read_bytes() == b"AAAAAAAA"


def test_trusted_file_writer_runs_in_a_child_process(writer, tmp_path, capsys):
    path, target = writer
    out = tmp_path / "face.png"
    code = app.main(["gan", "render", "--generator", str(path), "--trust-code", "-o", str(out)])
    assert code == 0 and out.exists(), capsys.readouterr().err
    assert target.read_bytes() == b"BBBBAAAA"  # it ran (the user agreed) …
    gen = G.load_generator_file(path, trusted=True)
    try:  # … but not in this process
        assert isinstance(gen, script_child.ChildGenerator)
        assert gen._proc.pid != os.getpid() and gen.alive
        assert gen.render(np.ones((1, 4), np.float32)).shape == (1, 8, 8, 3)
    finally:
        gen.close()
        for cached in G._loaded.values():  # the CLI's, kept for reuse in its process
            if isinstance(cached, script_child.ChildGenerator):
                cached.close()
        G._loaded.clear()


def test_a_hanging_generator_is_stopped_after_its_time_limit(tmp_path):
    path = tmp_path / "endless.pt"
    torch.jit.script(Endless()).save(str(path))
    gen = script_child.ChildGenerator(str(path), "endless.pt", None, "k", timeout=1.0)
    assert gen.render(np.zeros((1, 4), np.float32)).shape == (1, 8, 8, 3)  # a normal render
    t0 = time.monotonic()
    with pytest.raises(G.GeneratorLoadError, match="did not answer within 1 s"):
        gen.render(np.ones((1, 4), np.float32))
    assert time.monotonic() - t0 < 5.0
    assert not gen.alive  # killed, not left spinning
    with pytest.raises(G.GeneratorLoadError, match="stopped"):
        gen.render(np.zeros((1, 4), np.float32))


def test_cancelling_a_hung_render_returns_at_once_and_stops_the_child(tmp_path):
    from latentview.services.gan import render

    path = tmp_path / "endless.pt"
    torch.jit.script(Endless()).save(str(path))
    gen = script_child.ChildGenerator(str(path), "endless.pt", None, "k", timeout=600)
    task = render(gen, np.ones(4, np.float32))
    for _ in range(5):
        assert next(task) is None  # waiting, cancellable
    t0 = time.monotonic()
    task.close()  # what the task runner's Cancel does
    assert time.monotonic() - t0 < 1.0
    assert not gen.alive
