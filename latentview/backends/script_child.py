"""TorchScript generators run in a child process with a time limit, never in the app's own process.

TorchScript is a program: its `forward` can read and write files (`torch.from_file(..., shared=True)`)
or loop forever. Even when the user trusted the file, it is loaded and run in a spawned child, so a
hang is stopped after `timeout` seconds (the child is killed; the window and CLI carry on) and its code
never touches the app's memory. The child stays alive between renders: a slider move costs one pipe
round trip (about a millisecond) on top of the render itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import numpy as np

LOAD_TIMEOUT = 120.0  # seconds: starting Python + torch, loading the file, one probe render
CALL_TIMEOUT = 30.0  # seconds per render / features batch


def _child_main(conn, path: str, nz: int | None) -> None:
    """The child: load with the ordinary (in-process) TorchScript loader, then serve requests."""
    import torch

    from latentview.backends import generators as g

    torch.set_num_threads(1)
    try:
        gen = g.load_torchscript_here(path, os.path.basename(path), nz, "")
    except g.LatentSizeNeeded as exc:
        conn.send(("latent", str(exc)))
        return
    except Exception as exc:  # a UserError, or anything the file's code raised
        conn.send(("error", str(exc) if isinstance(exc, g.GeneratorLoadError) else type(exc).__name__))
        return
    conn.send(("ok", (gen.nz, gen.image_size)))
    while True:
        try:
            op, z = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", gen.render(z) if op == "render" else gen.features(z)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))


class ChildGenerator:
    """The Generator interface (render, features, nz, image_size …) served by a child process."""

    def __init__(self, path: str, name: str, nz: int | None, key: str, timeout: float | None = None):
        from latentview.backends.generators import GeneratorLoadError, LatentSizeNeeded

        self.name, self.title, self.key, self.licence = name, f"{name} (TorchScript, own process)", key, ""
        self.timeout = CALL_TIMEOUT if timeout is None else timeout
        self._lock = threading.Lock()
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, path, nz), name="latentview-torchscript",
                                 daemon=True)  # fmt: skip
        self._proc.start()
        child.close()
        status, payload = self._receive(LOAD_TIMEOUT if timeout is None else max(timeout, LOAD_TIMEOUT))
        if status != "ok":
            self.close()
            if status == "latent":
                raise LatentSizeNeeded(payload)
            raise GeneratorLoadError(f"The TorchScript file could not be loaded ({payload}).")
        self.nz, self.image_size = payload

    def _receive(self, timeout: float, limit: float | None = None):
        """The child's answer within `timeout` s; `limit` is the whole time limit, for the message."""
        from latentview.backends.generators import GeneratorLoadError

        deadline = time.monotonic() + timeout
        limit = timeout if limit is None else limit
        while not self._conn.poll(0.05):
            if not self._proc.is_alive():
                self.close()
                raise GeneratorLoadError("The TorchScript generator's process stopped unexpectedly.")
            if time.monotonic() > deadline:
                self.close()
                raise GeneratorLoadError(
                    f"The TorchScript generator did not answer within {limit:.0f} s, so it was stopped; "
                    "load it again to retry."
                )
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self.close()
            raise GeneratorLoadError("The TorchScript generator's process stopped unexpectedly.") from None

    def _call(self, op: str, z: np.ndarray) -> np.ndarray:
        from latentview.backends.generators import GeneratorLoadError

        with self._lock:
            if self._proc is None:
                raise GeneratorLoadError("The TorchScript generator was stopped; load it again.")
            self._conn.send((op, np.ascontiguousarray(z, dtype=np.float32)))
            status, payload = self._receive(self.timeout)
        if status != "ok":
            raise GeneratorLoadError(f"The TorchScript generator failed ({payload}).")
        return payload

    def render(self, z: np.ndarray) -> np.ndarray:
        return self._call("render", z)

    def render_steps(self, z: np.ndarray):
        """`render` as a generator that yields None while the child works, so a task runner can cancel
        at any moment: closing it mid-render kills the child (it may be hung; a late answer would
        also mismatch the next request)."""
        from latentview.backends.generators import GeneratorLoadError

        with self._lock:
            if self._proc is None:
                raise GeneratorLoadError("The TorchScript generator was stopped; load it again.")
            self._conn.send(("render", np.ascontiguousarray(z, dtype=np.float32)))
            deadline = time.monotonic() + self.timeout
            try:
                while not self._conn.poll(0.02):
                    if time.monotonic() > deadline or not self._proc.is_alive():
                        break  # _receive below reports which
                    yield None
            except GeneratorExit:
                self.close()
                raise
            status, payload = self._receive(max(0.0, deadline - time.monotonic()), self.timeout)
        if status != "ok":
            raise GeneratorLoadError(f"The TorchScript generator failed ({payload}).")
        return payload

    def features(self, z: np.ndarray) -> np.ndarray:
        return self._call("features", z)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def close(self) -> None:
        """Stop the child now (kill: its code gets no chance to linger)."""
        proc, self._proc = getattr(self, "_proc", None), None
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join(1.0)
        self._conn.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
