#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite headless: lint, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check latentview tests benchmarks scripts examples
.venv/bin/ruff format --check --quiet latentview tests benchmarks scripts examples
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
