"""benchmarks/words_layout.py --quick runs end to end (real GloVe, real UMAP) and reports its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_words_layout_benchmark_quick(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LATENTVIEW_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "words_layout.py"), "--quick"], env=env,
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "UMAP preview on the map" in out.stdout and "time to a readable map" in out.stdout
