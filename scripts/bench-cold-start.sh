#!/usr/bin/env bash
# Prints how long the desktop app takes from launch to a usable window (tests/e2e/cold_start.mjs),
# for first starts (a new store) and later ones. Builds the app as it ships (release, UI
# embedded) unless PROFILE=dev (what scripts/run.sh runs). RUNS sets the starts of each kind.
# Needs what scripts/setup.sh installs (xvfb-run, tauri-driver, WebKitWebDriver).
set -euo pipefail
HUBSYNC_LOG_TAG="cold-start"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hubsync_env
cd "$HUBSYNC_ROOT"

require_tools xvfb-run tauri-driver WebKitWebDriver

profile="${PROFILE:-release}"
log "building the UI and the app ($profile, UI embedded)"
npm --prefix ui run --silent build >/dev/null
case "$profile" in
    release) cargo build --release -p hubsync-app --features tauri/custom-protocol; dir=release ;;
    dev) cargo build -p hubsync-app --features tauri/custom-protocol; dir=debug ;;
    *) die "PROFILE=$profile: expected release or dev" ;;
esac
HUBSYNC_APP_BINARY="$(hubsync_target_dir)/$dir/hubsync-app"
HUBSYNC_APP_PROFILE="$profile"
export HUBSYNC_APP_BINARY HUBSYNC_APP_PROFILE

# WebKit's processes write their caches until the X server ends: a folder of their own, removed after.
HUBSYNC_BENCH_CACHE_HOME="$(mktemp -d)"
trap 'rm -rf "$HUBSYNC_BENCH_CACHE_HOME"' EXIT
export HUBSYNC_BENCH_CACHE_HOME

timeout --kill-after=10 900 xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/cold_start.mjs
