"""Real faults for tests: files nobody may write (even root), processes that are not root, a tiny encoder
for headless commands run in a subprocess.

`python -m tests.fault_tools embed ARGS…` runs `latentview embed ARGS…` with the tiny test encoder
registered as 'tiny-test' (no torch, seconds instead of a model load).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class TinyEncoder:
    """Colour statistics as an 'embedding': deterministic, fast, no torch."""

    name = "tiny-test"
    input_size = 32
    categories: list[str] = []

    def embed(self, images: np.ndarray) -> np.ndarray:
        x = images.astype(np.float32) / 255.0
        feats = [x.mean(axis=(1, 2)), x.std(axis=(1, 2)), x[:, ::8, ::8].reshape(len(x), -1)]
        return np.concatenate(feats, axis=1)

    def classify(self, features, top=5):
        return [[] for _ in features]


def register_tiny() -> str:
    from latentview.backends import embedders

    embedders.register(embedders.EmbedderSpec("tiny-test", "Tiny test encoder", True, "test", TinyEncoder,
                                              onnx=False))  # fmt: skip
    return "tiny-test"


@contextmanager
def deny_writes(path: Path):
    """Make `path` (file or folder) unwritable for real: chmod for a user, the immutable attribute for
    root (whom permissions do not stop). Skips the test where neither is possible."""
    import pytest

    path = Path(path)
    if IS_ROOT:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a file read-only for root")
        res = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {res.stderr.strip()}")
        try:
            yield path
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield path
        finally:
            path.chmod(mode)


def unprivileged(cmd: list[str]) -> list[str]:
    """`cmd` as a process that file permissions apply to: as root, with the capabilities that bypass
    them dropped (capsh); otherwise unchanged."""
    if not IS_ROOT:
        return cmd
    import pytest

    if shutil.which("capsh") is None:
        pytest.skip("running as root without capsh: permissions cannot be tested")
    return ["capsh", "--drop=cap_dac_override,cap_dac_read_search,cap_fowner", "--", "-c",
            "exec " + shlex.join(cmd)]  # fmt: skip


def run_tiny_embed(*args: str, env: dict | None = None, limit_file_size: int | None = None,
                   drop_privileges: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:  # fmt: skip
    """`latentview embed ARGS` in a subprocess with the tiny encoder (pass `--model tiny-test`)."""
    cmd = [sys.executable, "-m", "tests.fault_tools", "embed", *args]
    if drop_privileges:
        cmd = unprivileged(cmd)
    preexec = None
    if limit_file_size is not None:
        import resource

        def preexec() -> None:  # a real write failure (EFBIG): Python ignores SIGXFSZ
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO,
                          preexec_fn=preexec)  # fmt: skip


def make_images(folder: Path, n: int, size=(40, 30)) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"{i:03d}.png"
        Image.new("RGB", size, (i * 7 % 256, 100, 200 - i % 200)).save(p)
        out.append(p)
    return out


def _main(argv: list[str]) -> int:
    if argv[:1] == ["embed"]:
        register_tiny()
        from latentview.cli.embed import main

        return main(argv[1:])
    print("usage: python -m tests.fault_tools embed ARGS…", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
