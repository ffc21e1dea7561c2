#!/bin/sh
# Put latentview in this user's application menu (no root): a .desktop file and the icon under
# ${XDG_DATA_HOME:-~/.local/share}, pointing at the latentview executable beside this script.
#   ./install-desktop-entry.sh              install (again after moving the folder)
#   ./install-desktop-entry.sh --uninstall  remove both
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/latentview.desktop"
ICON="$DATA/icons/hicolor/256x256/apps/latentview.png"
if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$ENTRY" "$ICON"
  echo "latentview: removed $ENTRY and $ICON"
  exit 0
fi
[ -x "$HERE/latentview" ] || { echo "latentview: no executable at $HERE/latentview" >&2; exit 1; }
mkdir -p "$DATA/applications" "$(dirname "$ICON")"
cp "$HERE/latentview.png" "$ICON"
cat > "$ENTRY" <<DESKTOP
[Desktop Entry]
Type=Application
Name=latentview
GenericName=Latent space viewer
Comment=See and steer latent spaces: image features, word vectors, a GAN's input
Exec="$HERE/latentview" %f
Icon=$ICON
Terminal=false
Categories=Graphics;Science;Education;
DESKTOP
chmod 644 "$ENTRY"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$DATA/applications" 2>/dev/null || true
echo "latentview: added to the application menu ($ENTRY)"
