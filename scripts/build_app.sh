#!/usr/bin/env bash
# Build the one-folder desktop app (dist/latentview/) from build.spec (which exports the built-in models
# to ONNX and checks them against torch), then smoke-test the bundle as a fresh user (empty HOME) with
# the network unreachable (a network namespace via `unshare -rn` where allowed):
#   0. no torch / CUDA inside; the shipped ONNX models, README.txt and install-desktop-entry.sh are
#   1. start-up to a visible window, frozen next to the Python install (benchmarks/startup.py --frozen)
#   2. --demo --projection umap --screenshot: exits 0, PNG not blank; numba's cache lands in the
#      user cache dir (a temporary XDG_CACHE_HOME), not in the bundle
#   3. `words neighbors`, `gan render` with a GANSpace direction (face and digits; pixels equal to the
#      Python install's), and a torchvision model refused in one sentence
#   4. a folder with corrupt/truncated/non-image files among good ones: the GUI maps it
#      (--screenshot, UMAP from the warm cache) and `latentview embed` reports each bad file in
#      its error column; an own .onnx encoder embeds it
#   5. embedding speed, frozen vs the Python install on the same folder; the desktop entry installs
#   6. nothing under dist/latentview/ was created, changed or deleted by any of the runs
# Then a size table, the archive (dist/latentview-VERSION-linux-x86_64.tar.zst, or .tar.gz without
# zstd) and the figures. Exits non-zero on the first failure. SKIP_BUILD=1 re-tests an existing bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY=.venv/bin/python
APP="$ROOT/dist/latentview/latentview"

step() { printf '\nbuild_app: == %s\n' "$*"; }
fail() { printf '\nbuild_app: FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || fail "no .venv: run scripts/setup.sh first"
if ! command -v zstd >/dev/null; then  # the archive: zstd is ~25 % smaller than gzip for this bundle
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends zstd; } \
    >/dev/null 2>&1 || echo "build_app: zstd not installable; the archive will be .tar.gz"
fi
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
step "what is inside"
for gone in torch torchvision nvidia triton; do
  [ ! -e "dist/latentview/_internal/$gone" ] || fail "$gone is in the bundle"
done
for f in _internal/latentview_onnx/efficientnet-lite0-v1.onnx _internal/latentview_onnx/face-dcgan.onnx \
         _internal/latentview_onnx/digits-vae.onnx README.txt install-desktop-entry.sh latentview.png; do
  [ -s "dist/latentview/$f" ] || fail "dist/latentview/$f is missing"
done
echo "build_app: no torch/CUDA; shipped ONNX models: $(ls dist/latentview/_internal/latentview_onnx | tr '\n' ' ')"

WORK="$(mktemp -d /tmp/latentview-build-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# A fresh user: an empty HOME and caches/config in it, so the test sees where the frozen app writes.
mkdir -p "$WORK/home"
export HOME="$WORK/home" XDG_CACHE_HOME="$WORK/cache" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset LATENTVIEW_CACHE_DIR LATENTVIEW_CONFIG_DIR NUMBA_CACHE_DIR TORCH_HOME
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
# No network: a fresh network namespace (only a down loopback) where unprivileged namespaces are allowed;
# otherwise every proxy points at a closed port (the app must not reach out either way).
if unshare -rn true 2>/dev/null; then
  NONET=(unshare -rn); net_note="network namespace (unshare -rn): unreachable"
else
  NONET=(); net_note="no network namespace here: proxies point at a closed port"
  export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
    HTTPS_PROXY=http://127.0.0.1:9 no_proxy="" NO_PROXY=""
fi
echo "build_app: $net_note; HOME=$HOME (empty)"
listing() { (cd dist/latentview && find . -printf '%p %s %T@\n' | LC_ALL=C sort); }
listing > "$WORK/before.txt"

run_app() {  # run_app LOG ARGS...: the frozen app, offline, with a time limit, its output kept in LOG
  local log="$1"; shift
  timeout 900 "${NONET[@]}" "$APP" "$@" > "$log" 2>&1
}
run_py() {  # run_py LOG ARGS...: the Python install, the same way
  local log="$1"; shift
  timeout 900 "${NONET[@]}" "$ROOT/$PY" -m latentview "$@" > "$log" 2>&1
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

step "start to a visible window: frozen next to the Python install"
timeout 600 "${NONET[@]}" "$PY" benchmarks/startup.py --frozen "$APP" --runs 3 > "$WORK/startup.log" 2>&1 \
  || { cat "$WORK/startup.log"; fail "benchmarks/startup.py --frozen failed"; }
cat "$WORK/startup.log"
start_times="$(grep '^frozen' "$WORK/startup.log" | head -1)"

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

step "words, GAN with a direction (frozen pixels = Python install's)"
run_app "$WORK/words.log" words neighbors king || { tail -20 "$WORK/words.log"; fail "words neighbors failed"; }
grep -qw queen "$WORK/words.log" || { tail -20 "$WORK/words.log"; fail "'queen' is not among king's neighbours"; }
echo "build_app: words neighbors king: queen is among them"
for g in face-dcgan digits-vae; do
  run_app "$WORK/gan-$g.log" gan render --generator "$g" --seed 7 --direction 1 --amount 2 -o "$WORK/$g.png" \
    || { tail -20 "$WORK/gan-$g.log"; fail "gan render $g failed"; }
  run_py "$WORK/gan-py-$g.log" gan render --generator "$g" --seed 7 --direction 1 --amount 2 -o "$WORK/$g-py.png" \
    || { tail -20 "$WORK/gan-py-$g.log"; fail "the Python install's gan render $g failed"; }
  "$PY" - "$WORK/$g.png" "$WORK/$g-py.png" <<'EOF' || fail "$g: the frozen render is blank or differs from the Python install's"
import sys
import numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p).convert("RGB"), np.int16) for p in sys.argv[1:3])
colours = len(Image.open(sys.argv[1]).convert("RGB").getcolors(1 << 24) or [])
diff = np.abs(a - b)
print(f"build_app: {sys.argv[1].rsplit('/', 1)[-1]}: {a.shape[1]}x{a.shape[0]}, {colours} colours; "
      f"vs Python install: max |diff| {diff.max()}, mean {diff.mean():.3f}")
sys.exit(0 if a.shape == b.shape and colours > 8 and diff.max() <= 2 and diff.mean() < 0.05 else 1)
EOF
done
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

step "an own ONNX encoder; a torchvision model refused in one sentence"
"$PY" - "$WORK/tiny.onnx" <<'EOF'
import sys
import warnings
import torch
warnings.simplefilter("ignore")
net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(8, 16, 3, 2, 1),
                          torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 4))
torch.onnx.export(net.eval(), (torch.zeros(1, 3, 64, 64),), sys.argv[1], input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "b"}, "y": {0: "b"}}, dynamo=False, opset_version=17)
EOF
run_app "$WORK/own.log" embed "$WORK/photos" --model "$WORK/tiny.onnx" -o "$WORK/own.csv" --projection pca \
  || { tail -30 "$WORK/own.log"; fail "embed --model tiny.onnx exited non-zero"; }
tail -1 "$WORK/own.log"
grep -q "embedded 10," "$WORK/own.log" || fail "the own ONNX encoder did not embed the 10 good images"
if run_app "$WORK/torchonly.log" embed "$WORK/photos" -o "$WORK/x.csv" --model resnet18; then
  fail "a torchvision model ran in the bundle (it should say it needs the Python install)"
fi
grep -q "needs torch" "$WORK/torchonly.log" || { tail -5 "$WORK/torchonly.log"; fail "no one-sentence reason for resnet18"; }
! grep -q Traceback "$WORK/torchonly.log" || fail "resnet18 in the bundle printed a traceback"
echo "build_app: resnet18 → $(grep -h "needs torch" "$WORK/torchonly.log" | head -1)"

step "embedding speed: frozen vs the Python install, same folder"
"$PY" benchmarks/embed_folder.py --make-only "$WORK/speed" --images 96 > /dev/null
run_py "$WORK/warm.log" embed "$WORK/photos/warm" -o "$WORK/warm.csv" --projection pca \
  || { tail -20 "$WORK/warm.log"; fail "the Python install's embed failed"; }  # its one-time ONNX export
rate() { sed -n 's/.*embedded \([0-9]*\),.*(\([0-9.]*\) s embedding).*/\1 \2/p' "$1" | awk '{printf "%.1f", $1 / $2}'; }
for who in app py; do
  "run_$who" "$WORK/speed-$who.log" embed "$WORK/speed" -o "$WORK/speed-$who.csv" --projection pca --no-cache \
    || { tail -20 "$WORK/speed-$who.log"; fail "embed speed run ($who) failed"; }
done
frozen_rate="$(rate "$WORK/speed-app.log")"; py_rate="$(rate "$WORK/speed-py.log")"
embed_note="frozen $frozen_rate img/s, Python install $py_rate img/s ($(awk -v a="$frozen_rate" -v b="$py_rate" \
  'BEGIN {printf "%.2f", a / b}')×; 96 JPEGs 1152×864, embed --no-cache: images ÷ the embedding seconds it reports, model load included)"
echo "build_app: embedding speed: $embed_note"

step "desktop entry (user-level)"
dist/latentview/install-desktop-entry.sh
entry="$XDG_DATA_HOME/applications/latentview.desktop"
grep -q "^Exec=\"$ROOT/dist/latentview/latentview\"" "$entry" || fail "the desktop entry does not run the bundle"
[ -s "$XDG_DATA_HOME/icons/hicolor/256x256/apps/latentview.png" ] || fail "the icon was not installed"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$entry" || fail "invalid .desktop"; fi
dist/latentview/install-desktop-entry.sh --uninstall > /dev/null
[ ! -e "$entry" ] || fail "--uninstall left the entry"

step "nothing written inside the bundle"
listing > "$WORK/after.txt"
if ! diff -q "$WORK/before.txt" "$WORK/after.txt" >/dev/null; then
  diff "$WORK/before.txt" "$WORK/after.txt" | head -20
  fail "the runs changed files under dist/latentview/"
fi
echo "build_app: dist/latentview unchanged ($(wc -l < "$WORK/after.txt") entries)"

step "size table (MB, largest first)"
(cd dist/latentview/_internal && du -sm -- * | sort -rn | head -25 | awk '{printf "build_app:   %6d  %s\n", $1, $2}')
echo "build_app:   $(du -sm dist/latentview | cut -f1) MB in all"

step "archive"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
rm -f dist/latentview-*-linux-x86_64.tar.*
if command -v zstd >/dev/null; then
  ARCHIVE="dist/latentview-$VERSION-linux-x86_64.tar.zst"
  tar -C dist -cf - latentview | zstd -q -T0 -10 -o "$ARCHIVE"
else
  ARCHIVE="dist/latentview-$VERSION-linux-x86_64.tar.gz"
  tar -C dist -czf "$ARCHIVE" latentview
fi
bundle_mb=$(du -sm dist/latentview | cut -f1)
archive_mb=$(( $(stat -c %s "$ARCHIVE") / 1000000 ))
[ "$bundle_mb" -le 800 ] || fail "the bundle is $bundle_mb MB (limit 800)"
[ "$archive_mb" -le 350 ] || fail "the archive is $archive_mb MB (limit 350)"

step "summary"
echo "build_app: bundle size    $bundle_mb MB  (du -sm dist/latentview; limit 800)"
echo "build_app: archive size   $archive_mb MB  ($ARCHIVE; limit 350)"
echo "build_app: build time     $build_s"
echo "build_app: start-up       $start_times"
echo "build_app: demo map       ${demo_s} s (embed 264 photos + UMAP incl. numba compile)"
echo "build_app: embedding      $embed_note"
echo "build_app: OK"
