#!/usr/bin/env bash
# Regenerates Screenshots/*.png from the real dashboard on a real cluster.
#
# 1. Runs the dashboard end-to-end test's screenshot scenes (a three-node cluster built by the test
#    harness; the real `pgwarden dashboard` in a private tmux server), which write each scene's pane,
#    colour escapes included, as <scene>.ans.
# 2. Turns every capture into HTML with aha and into a PNG with headless chromium.
#
# Needs: the Swift toolchain, PostgreSQL 15 and tmux (as for the tests), and aha + chromium +
# fonts-dejavu-core (installed with apt-get when missing and running as root).
# Usage: scripts/screenshots.sh [scratch-path]   (default .build-screenshots)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
scratch="${1:-.build-screenshots}"
out="$PWD/Screenshots"
work="$(mktemp -d /tmp/pgwarden-screenshots-XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"

missing=()
command -v aha >/dev/null || missing+=(aha)
command -v chromium >/dev/null || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing: ${missing[*]} (install them with apt-get)" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "==> capturing the scenes (builds the tests first)" >&2
PGWARDEN_SCREENSHOTS_DIR="$work" swift test --scratch-path "$scratch" \
    --filter 'DashboardEndToEndTests/screenshots' >"$work/test.log" 2>&1 || {
    tail -50 "$work/test.log" >&2
    exit 1
}

mkdir -p "$out"
for capture in "$work"/*.ans; do
    name="$(basename "$capture" .ans)"
    columns="$(sed 's/\x1b\[[0-9;]*m//g' "$capture" | wc -L)"
    rows="$(wc -l <"$capture")"
    width=$(( columns * 843 / 100 + 24 ))
    height=$(( rows * 17 + 20 ))
    # Light themes are made for light terminals: render those on white, the others on black.
    if [[ "$name" == *light* ]]; then background="#fff"; colours=(); else background="#000"; colours=(--black); fi
    aha "${colours[@]}" --title "pgwarden dashboard: $name" <"$capture" >"$work/$name.html"
    sed -i "s|</head>|<style>body{margin:0;padding:8px;background:$background} pre{font-family:'DejaVu Sans Mono',monospace;font-size:14px;line-height:17px;margin:0}</style></head>|" "$work/$name.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
        --screenshot="$out/$name.png" "file://$work/$name.html" >/dev/null 2>&1
    echo "$out/$name.png (${columns}x${rows})"
done
