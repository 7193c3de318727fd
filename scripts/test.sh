#!/usr/bin/env bash
# The project's whole check, in order, stopping at the first failure: setup, formatting,
# UI lint, build and tests, clippy (which also compiles the benchmarks), tests, HubSpot client
# fidelity, window E2E.
set -euo pipefail
HUBSYNC_LOG_TAG="test"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HUBSYNC_ROOT"

if [ "${CI:-}" = true ]; then
    # Smaller debug info and no incremental state: faster clean builds, smaller cache.
    export CARGO_PROFILE_DEV_DEBUG=line-tables-only CARGO_INCREMENTAL=0
fi
# One feature set for every cargo step so they share build artifacts; the feature embeds the
# UI in the binary instead of pointing it at the dev server.
FEATURES=(--features tauri/custom-protocol)

steps_done=0
run_started=$SECONDS

step() {
    local name="$1" started=$SECONDS
    shift
    log "=== $name"
    if "$@"; then
        steps_done=$((steps_done + 1))
        log "--- $name: ok ($((SECONDS - started)) s)"
    else
        log "FAILED at step: $name (exit $?, after $((SECONDS - run_started)) s)" >&2
        exit 1
    fi
}

step "setup" bash scripts/setup.sh
hubsync_env
step "cargo fmt" cargo fmt --all -- --check
step "ui lint" npm --prefix ui run --silent lint
step "ui build" npm --prefix ui run --silent build
step "ui tests" npm --prefix ui run --silent test
step "cargo clippy" cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings
step "cargo test" cargo test --workspace "${FEATURES[@]}"
# `cargo test` re-exported the IPC types' TypeScript bindings (ts-rs) and the app's build wrote
# its capability and command names from src-tauri/src/commands/list.rs; committed ones must match.
step "generated files current" bash -c 'git diff --exit-code --stat -- ui/src/bindings src-tauri/capabilities &&
    test -z "$(git ls-files --others --exclude-standard -- ui/src/bindings src-tauri/capabilities)" ||
    { echo "generated files changed: build, run cargo test and commit them" >&2; exit 1; }'
if [ -f tests/fidelity/run.sh ]; then
    # The binary the test step just built; building it alone would resolve other features and
    # compile it again.
    HUBSYNC_SANDBOX_BIN="$(hubsync_target_dir)/debug/hubsync-sandbox"
    export HUBSYNC_SANDBOX_BIN
    step "fidelity (HubSpot's client against the sandbox)" bash tests/fidelity/run.sh
else
    log "no tests/fidelity/run.sh: fidelity step skipped"
fi
step "e2e window test" bash tests/e2e/run.sh

log "all $steps_done steps passed in $((SECONDS - run_started)) s"
