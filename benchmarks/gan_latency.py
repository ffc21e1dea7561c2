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
    return f"median {np.median(ms):5.1f} ms · p95 {np.percentile(ms, 95):5.1f} ms · n={len(ms)}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="small sizes, seconds: checks the script runs")
    args = p.parse_args()
    renders, samples, sweeps = (20, 500, 1) if args.quick else (200, 4000, 2)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("LATENTVIEW_CACHE_DIR", tempfile.mkdtemp())
    os.environ.setdefault("LATENTVIEW_CONFIG_DIR", tempfile.mkdtemp())
    import torch

    torch.set_num_threads(args.threads)
    from latentview.backends.generators import get_generator
    from latentview.services import gan
    from latentview.services.runner import drive

    for name in ("face-dcgan", "digits-vae"):
        gen = get_generator(name)
        z = gan.latent_for_seed(1, gen.nz)[None]
        for _ in range(5):
            gen.render(z)
        times = []
        for _ in range(renders):
            t0 = time.perf_counter()
            gen.render(z)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dirs = drive(gan.compute_directions(gen, n_samples=samples, use_cache=False))
        print(
            f"{name:11s} render {stats(times)} · {len(dirs)} directions in {time.perf_counter() - t0:.2f} s"
        )

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from latentview.qt.shell.main_window import MainWindow

    window = MainWindow()
    window.show()
    panel = window.gan_panel
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


if __name__ == "__main__":
    main()
