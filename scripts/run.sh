#!/usr/bin/env bash
# Set up (if needed) and launch latentview on its built-in demo. Extra arguments go to latentview.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "run: no display found and no xvfb-run to start a virtual one: run this on a desktop, or" \
         "install xvfb (Debian/Ubuntu: apt-get install xvfb xauth)." >&2
    exit 1
  fi
  echo "run: no display found; starting a virtual one (xvfb-run). On a desktop the window opens normally;" \
       "here --screenshot out.png saves the map and exits."
  exec xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/latentview --demo "$@"
fi
exec .venv/bin/latentview --demo "$@"
