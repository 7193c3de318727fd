#!/usr/bin/env bash
# Crash trials on demand: `scripts/crash-trials.sh [TRIALS] [SEED]` runs the CLI crash test
# (crates/hubsync-cli/tests/cli/crash.rs) for TRIALS trials (default 200; pushes and pulls
# alternate), from SEED (default: a new one, printed), then prints a summary. A failed trial
# prints the command that replays it alone.
#
# A debug build: the trials' time goes to the sandbox's latency and to starting processes, not
# to the binary, and the debug test binary is the one `cargo test` already built.
set -euo pipefail
HUBSYNC_LOG_TAG="crash-trials"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HUBSYNC_ROOT"

trials="${1:-200}"
seed="${2:-$(date +%s)}"
[[ "$trials" =~ ^[0-9]+$ && "$trials" -gt 0 ]] || die "TRIALS must be a whole number above 0, not '$trials'"
[[ "$seed" =~ ^[0-9]+$ ]] || die "SEED must be a whole number, not '$seed'"
output="${TMPDIR:-/tmp}/hubsync-crash-trials-$seed.log"

log "$trials trials from seed $seed; the whole output goes to $output"
started=$SECONDS
status=0
HUBSYNC_CRASH_TRIALS="$trials" HUBSYNC_CRASH_SEED="$seed" \
    cargo test -p hubsync-cli --test cli crash:: -- --nocapture --test-threads 1 >"$output" 2>&1 || status=$?

grep -E '^crash trial [0-9]+ .*FAILED' "$output" || true
summary="$(grep -E '^crash trials: ' "$output" || true)"
[ -n "$summary" ] || die "the test did not run to its summary (exit status $status): see $output"
kills="$(grep -oE 'killed after' "$output" | wc -l)"
mid_run="$(grep -oE 'killed after [0-9]+ ms → run (Running|Interrupted)' "$output" | wc -l)"
log "$summary"
log "$kills SIGKILLs, $mid_run of them with a live run left to resume; $((SECONDS - started)) s"
exit "$status"
