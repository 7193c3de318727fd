#!/usr/bin/env bash
# Runs the desktop app, UI embedded, against its built-in sandbox portal.
# Arguments are passed to the app.
set -euo pipefail
HUBSYNC_LOG_TAG="run"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HUBSYNC_ROOT"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    die "no display: run this from a desktop session, or under xvfb-run"
fi
bash scripts/setup.sh
hubsync_env
npm --prefix ui run --silent build
exec cargo run -p hubsync-app --features tauri/custom-protocol -- "$@"
