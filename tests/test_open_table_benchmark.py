"""benchmarks/open_table.py --quick runs and reports both sides (figures are not asserted: timing is noisy)."""

import json
import subprocess
import sys
from pathlib import Path


def test_open_table_benchmark_quick():
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "open_table.py"
    res = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    assert figures["latentview"]["rows"] == figures["pyarrow"]["rows"] == 20_000
    assert figures["latentview"]["open_peak_gb"] > 0 and figures["pyarrow"]["peak_gb"] > 0
