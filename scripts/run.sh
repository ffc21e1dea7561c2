#!/usr/bin/env bash
# Set up (if needed) and launch latentview on its built-in demo. Extra arguments go to latentview.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run: no display found; starting a virtual one (xvfb-run). On a desktop the window opens normally."
  exec xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/latentview --demo "$@"
fi
exec .venv/bin/latentview --demo "$@"
