"""Every benchmark script runs in its quick mode and prints figures, so none can rot unnoticed.

Scripts are found by glob: a new `benchmarks/*.py` is picked up without touching this file (it must
accept `--quick`: small sizes, seconds). Speed itself is never asserted here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_"))
FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(ms|s|GiB|MB|images/s|words/s|×)(\W|$)")


def test_benchmarks_are_found():
    assert len(SCRIPTS) >= 7


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_benchmark_quick_mode_prints_figures(script, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path, env=env)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    assert FIGURE.search(res.stdout), res.stdout
    assert "Traceback" not in res.stderr
