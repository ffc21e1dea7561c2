#!/usr/bin/env bash
# Build the one-folder desktop app (dist/latentview/) from build.spec, then smoke-test the bundle:
#   1. start-up time to a visible window (--exit-after-show)
#   2. --demo --projection umap --screenshot: exits 0, PNG not blank; numba's cache lands in the
#      user cache dir (a temporary XDG_CACHE_HOME), not in the bundle
#   3. a folder with corrupt/truncated/non-image files among good ones: the GUI maps it
#      (--screenshot, UMAP from the warm cache) and `latentview embed` reports each bad file in
#      its error column
#   4. nothing under dist/latentview/ was created, changed or deleted by any of the runs
# Exits non-zero on the first failure. SKIP_BUILD=1 re-tests an existing bundle without building.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY=.venv/bin/python
APP="$ROOT/dist/latentview/latentview"

step() { printf '\nbuild_app: == %s\n' "$*"; }
fail() { printf '\nbuild_app: FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || fail "no .venv: run scripts/setup.sh first"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  step "installing PyInstaller into .venv"
  pin="$(grep -i '^pyinstaller==' requirements.lock || echo 'pyinstaller==6.22.3')"
  "$PY" -m pip install -q -c requirements.lock "$pin"
fi

build_s="(skipped)"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  step "building dist/latentview with PyInstaller (several minutes)"
  t0=$(date +%s)
  nice -n 10 "$PY" -m PyInstaller --noconfirm --log-level WARN build.spec || fail "pyinstaller failed"
  build_s="$(( $(date +%s) - t0 )) s"
fi
[ -x "$APP" ] || fail "$APP missing"
for so in _C_stable.so image_stable.so; do  # torchvision's native ops: the stock hook misses them
  [ -f "dist/latentview/_internal/torchvision/$so" ] || fail "torchvision/$so is not in the bundle"
done

WORK="$(mktemp -d /tmp/latentview-build-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# A fresh user: caches/config in a temporary home, so the test sees where the frozen app writes.
export XDG_CACHE_HOME="$WORK/cache" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset LATENTVIEW_CACHE_DIR LATENTVIEW_CONFIG_DIR NUMBA_CACHE_DIR TORCH_HOME
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
listing() { (cd dist/latentview && find . -printf '%p %s %T@\n' | LC_ALL=C sort); }
listing > "$WORK/before.txt"

run_app() {  # run_app LOG ARGS...: the frozen app with a time limit, its output kept in LOG
  local log="$1"; shift
  timeout 900 "$APP" "$@" > "$log" 2>&1
}

check_png() {  # check_png FILE: exists, > 20 kB, more than a handful of colours
  "$PY" - "$1" <<'EOF' || fail "screenshot $1 is missing or blank"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = len(im.getcolors(1 << 24) or [])
print(f"build_app: {sys.argv[1]}: {im.size[0]}x{im.size[1]}, {colours} colours")
sys.exit(0 if im.size[0] >= 400 and colours > 50 else 1)
EOF
}

step "cold start to a visible window"
start_times=""
for i in 1 2; do
  t0=$(date +%s%N)
  run_app "$WORK/start$i.log" --exit-after-show || { cat "$WORK/start$i.log"; fail "--exit-after-show exited non-zero"; }
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  start_times="$start_times $((ms / 1000)).$(( (ms % 1000) / 100 )) s"
done
echo "build_app: start-up (first, second launch):$start_times"

step "--demo --projection umap --screenshot (first UMAP compiles numba: ~1 min)"
t0=$(date +%s)
run_app "$WORK/demo.log" --demo --projection umap --screenshot "$WORK/demo.png" \
  || { tail -30 "$WORK/demo.log"; fail "--demo --screenshot exited non-zero"; }
demo_s=$(( $(date +%s) - t0 ))
check_png "$WORK/demo.png"
cp "$WORK/demo.png" /tmp/latentview-frozen-demo.png
nbc=$(find "$XDG_CACHE_HOME/latentview/numba" -name '*.nbc' 2>/dev/null | wc -l)
[ "$nbc" -gt 0 ] || fail "no numba cache files under $XDG_CACHE_HOME/latentview/numba"
echo "build_app: demo map in ${demo_s} s; numba cache: $nbc kernels in the user cache dir"

step "a folder with bad files among good ones"
"$PY" - "$WORK/photos" <<'EOF'
import sys
from pathlib import Path
import numpy as np
from PIL import Image
root = Path(sys.argv[1]); rng = np.random.default_rng(0)
for label in ("warm", "cool"):
    (root / label).mkdir(parents=True)
    for i in range(5):
        base = np.array([220, 120, 40] if label == "warm" else [40, 120, 220], np.float32)
        img = np.clip(base + rng.normal(0, 40, (96, 128, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(root / label / f"{label}{i}.{'jpg' if i % 2 else 'png'}")
good = (root / "warm" / "warm0.png").read_bytes()
(root / "bad").mkdir()
(root / "bad" / "truncated.png").write_bytes(good[: len(good) // 3])
(root / "bad" / "not_an_image.jpg").write_text("hello, I am text")
(root / "bad" / "empty.png").write_bytes(b"")
EOF
run_app "$WORK/folder.log" "$WORK/photos" --projection umap --screenshot "$WORK/folder.png" \
  || { tail -30 "$WORK/folder.log"; fail "FOLDER --screenshot exited non-zero"; }
check_png "$WORK/folder.png"
cp "$WORK/folder.png" /tmp/latentview-frozen-folder.png
run_app "$WORK/embed.log" embed "$WORK/photos" -o "$WORK/photos.csv" --projection umap --no-cache \
  || { tail -30 "$WORK/embed.log"; fail "latentview embed exited non-zero"; }
tail -1 "$WORK/embed.log"
"$PY" - "$WORK/photos.csv" <<'EOF' || fail "embed's table does not report the bad files"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
bad = {r["path"].rsplit("/", 1)[-1]: r["error"] for r in rows if r["error"]}
good = [r for r in rows if not r["error"]]
print(f"build_app: embed table: {len(good)} embedded, errors: {bad}")
assert len(good) == 10, len(good)
assert set(bad) == {"truncated.png", "not_an_image.jpg", "empty.png"}, bad
EOF

step "nothing written inside the bundle"
listing > "$WORK/after.txt"
if ! diff -q "$WORK/before.txt" "$WORK/after.txt" >/dev/null; then
  diff "$WORK/before.txt" "$WORK/after.txt" | head -20
  fail "the runs changed files under dist/latentview/"
fi
echo "build_app: dist/latentview unchanged ($(wc -l < "$WORK/after.txt") entries)"

step "summary"
echo "build_app: bundle size    $(du -sh dist/latentview | cut -f1)  (dist/latentview)"
echo "build_app: build time     $build_s"
echo "build_app: start-up       $start_times (process start to window shown, offscreen)"
echo "build_app: demo map       ${demo_s} s (embed 264 photos + UMAP incl. numba compile)"
echo "build_app: OK"
