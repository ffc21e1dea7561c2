"""benchmarks/layers.py --quick runs and shows the network adding what raw pixels lack."""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_layers_benchmark_quick():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, str(REPO / "benchmarks" / "layers.py"), "--quick"],
                         capture_output=True, text=True, timeout=900, env=env, cwd=REPO)  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = re.findall(r"^\s+(.+?)\s+(\d+)-d\s+accuracy ([\d.]+)", res.stdout, re.M)
    assert [r[0].split(" (")[0] for r in rows] == [
        "raw pixels",
        "stage 2",
        "stage 4",
        "stage 6",
        "last layer",
    ]
    assert [int(r[1]) for r in rows] == [3072, 24, 80, 192, 1280]
    acc = [float(r[2]) for r in rows]
    assert all(0 <= a <= 1 for a in acc) and acc[-1] > acc[0]
    # the benchmark's figure is the app's: the layers sweep on the same folder gives the same accuracies
    from latentview.backends.demo import demo_folder
    from latentview.services.compare import layer_sweep
    from latentview.services.runner import drive

    layers = ["raw-pixels", "stage2", "stage4", "stage6"]
    sweep = drive(layer_sweep(str(demo_folder(4)), "efficientnet-lite0", k=5, layers=layers))
    assert [f"{r.accuracy:.3f}" for r in sweep.rows] == [r[2] for r in rows]
