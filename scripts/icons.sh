#!/usr/bin/env bash
# Regenerates the app icons in icons/ from icons/icon.svg with the pinned Tauri CLI,
# keeping only the desktop set that src-tauri/tauri.conf.json lists.
set -euo pipefail
HUBSYNC_LOG_TAG="icons"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hubsync_env

out="$(mktemp -d)"
trap 'rm -rf "$out" "$out.log"' EXIT
(cd "$HUBSYNC_ROOT/ui" && npx --no-install tauri icon "$HUBSYNC_ROOT/icons/icon.svg" -o "$out" >"$out.log" 2>&1) ||
    { cat "$out.log" >&2; die "tauri icon failed"; }
for f in 32x32.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns; do
    cp "$out/$f" "$HUBSYNC_ROOT/icons/$f"
done
log "icons regenerated in icons/"
