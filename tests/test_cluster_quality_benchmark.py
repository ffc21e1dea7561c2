"""benchmarks/cluster_quality.py --quick runs and prints its figures (the README's table comes from it)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cluster_quality_benchmark_quick_mode_prints_coverage_and_purity():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cluster_quality.py"), "--quick"],
                         capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "figures: 48 images in 6 folders" in out.stdout
    assert "coverage" in out.stdout and "purity" in out.stdout
