#!/usr/bin/env bash
# Builds the app with its UI embedded and runs the end-to-end flows (tests/e2e/window.test.mjs)
# under a virtual X server. HUBSYNC_E2E_SCREENSHOTS=<folder> also saves a PNG of each screen.
# Needs what scripts/setup.sh installs (xvfb-run, tauri-driver, WebKitWebDriver).
set -euo pipefail
HUBSYNC_LOG_TAG="e2e"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
hubsync_env
cd "$HUBSYNC_ROOT"

require_tools xvfb-run tauri-driver WebKitWebDriver

log "building the UI and the app (UI embedded)"
npm --prefix ui run --silent build >/dev/null
# The same targets and features as scripts/test.sh's `cargo test` step: cargo then unifies the
# dependencies' features identically and reuses that step's artifacts instead of rebuilding
# Tauri (the sandbox's dev-dependencies change features of crates Tauri depends on).
cargo build --workspace --all-targets --features tauri/custom-protocol

HUBSYNC_APP_BINARY="$(hubsync_target_dir)/debug/hubsync-app"
# The flows that need faults and fixtures start this standalone portal: the app's built-in one
# has no control API.
HUBSYNC_SANDBOX_BIN="$(hubsync_target_dir)/debug/hubsync-sandbox"
export HUBSYNC_APP_BINARY HUBSYNC_SANDBOX_BIN
[ -x "$HUBSYNC_APP_BINARY" ] || die "no app binary at $HUBSYNC_APP_BINARY"
[ -x "$HUBSYNC_SANDBOX_BIN" ] || die "no sandbox binary at $HUBSYNC_SANDBOX_BIN"

# The app's lead store and logs go to a throwaway data folder, never the developer's own.
e2e_home="$(mktemp -d)"
trap 'rm -rf "$e2e_home"' EXIT
export XDG_DATA_HOME="$e2e_home/data" XDG_CONFIG_HOME="$e2e_home/config" XDG_CACHE_HOME="$e2e_home/cache"
# Exports go to the Downloads folder, which XDG user dirs name: a throwaway one here.
export HUBSYNC_E2E_DOWNLOADS="$e2e_home/Downloads"
mkdir -p "$XDG_CONFIG_HOME" "$HUBSYNC_E2E_DOWNLOADS"
printf 'XDG_DOWNLOAD_DIR="%s"\n' "$HUBSYNC_E2E_DOWNLOADS" >"$XDG_CONFIG_HOME/user-dirs.dirs"

# The app's own crates log everything they can (the log file included), so the scan below
# searches the most talkative logs there are.
export RUST_LOG="info,hubsync_app=trace,hubsync_sync=trace,hubsync_hubspot=trace,hubsync_auth=trace,hubsync_store=trace"

log "running the end-to-end flows under Xvfb"
# The flows take well under a minute; a hang (a process gone mid-request) ends here, not at
# CI's own limit.
timeout --kill-after=10 600 xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-reporter=spec tests/e2e/window.test.mjs

# After every flow (push, pull, undo, failures, exports): the app's token for its built-in
# portal must be in none of the files it left: the lead store, its log files, the exports.
log "searching the app's data, logs and exports for its token"
bash tests/e2e/no-token-left.sh "$e2e_home" pat-sandbox-hubsync-desktop
# The private-app token pasted for the second portal (STANDALONE_APP_TOKEN in window.test.mjs)
# is where the admin chose to keep it (the OS keychain, or the opted-into `<store>.secrets` file
# on a machine without one) and nowhere else.
bash tests/e2e/no-token-left.sh "$e2e_home" pat-na1-e2e-standalone-app '*.secrets'
