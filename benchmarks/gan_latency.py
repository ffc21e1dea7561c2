"""Slider-to-image latency of the GAN dock, raw render time, and GANSpace direction time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gan_latency.py [--threads 1] [--quick]

"step": one slider move, then wait for its image (what a click on the slider track costs).
"drag": moves every 8 ms like a mouse drag; latency of each image from the oldest move it includes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def stats(xs) -> str:
    ms = np.asarray(xs) * 1000
    return (f"median {np.median(ms):5.1f} ms · p95 {np.percentile(ms, 95):5.1f} ms · max {ms.max():5.1f} ms"
            f" · n={len(ms)}")  # fmt: skip


def _burn(stop) -> None:
    """A busy neighbour: spins a core until told to stop."""
    x = 0
    while not stop.is_set():
        x = (x * 7 + 1) % 1_000_003


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="fewer repeats (the test suite runs this)")
    p.add_argument("--busy", type=int, default=0, help="processes spinning a core meanwhile (a busy machine)")
    args = p.parse_args()
    reps, samples, sweeps = (20, 500, 1) if args.quick else (200, 4000, 2)
    import multiprocessing as mp

    stop = mp.Event()
    burners = [mp.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.busy)]
    for b in burners:
        b.start()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("LATENTVIEW_CACHE_DIR", tempfile.mkdtemp())
    os.environ.setdefault("LATENTVIEW_CONFIG_DIR", tempfile.mkdtemp())
    import torch

    torch.set_num_threads(args.threads)
    from latentview.backends.generators import get_generator
    from latentview.services import gan
    from latentview.services.runner import drive

    for name in ("face-dcgan",) if args.quick else ("face-dcgan", "digits-vae"):
        gen = get_generator(name)
        z = gan.latent_for_seed(1, gen.nz)[None]
        for _ in range(5):
            gen.render(z)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            gen.render(z)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dirs = drive(gan.compute_directions(gen, n_samples=samples, use_cache=False))
        print(
            f"{name:11s} render {stats(times)} · {len(dirs)} directions in {time.perf_counter() - t0:.2f} s"
        )

    torch.set_num_threads(os.cpu_count() or 1)  # the dock below as the app runs it (it picks its own)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from latentview.qt.shell.main_window import MainWindow

    window = MainWindow()
    window.show()
    from latentview.qt.gan.panel import GanPanel

    panel = window.feature(GanPanel)
    window.docks["GAN"].raise_()

    def pump_until(cond, timeout=60.0):
        end = time.perf_counter() + timeout
        while not cond() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)

    pump_until(lambda: panel.directions is not None)
    pump_until(lambda: not panel._rendering)
    slider = panel.direction_list.sliders[0]
    panel.latencies.clear()
    for v in list(range(-30, 31, 3)) * sweeps:
        n = len(panel.latencies)
        slider.setValue(v)
        pump_until(lambda n=n: len(panel.latencies) > n and not panel._rendering)
    print(f"dock step  {stats(panel.latencies)}")
    panel.latencies.clear()
    moves = 0
    for v in list(range(-30, 31)) * sweeps:
        slider.setValue(v if slider.value() != v else v - 1)
        moves += 1
        end = time.perf_counter() + 0.008
        while time.perf_counter() < end:
            app.processEvents()
    pump_until(lambda: not panel._rendering and panel._dirty_since is None)
    print(f"dock drag  {stats(panel.latencies)} · {moves} moves → {len(panel.latencies)} renders")
    window.close()
    stop.set()
    for b in burners:
        b.join(5)


if __name__ == "__main__":
    main()
