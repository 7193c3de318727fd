#!/usr/bin/env bash
# Runs the end-to-end flows and saves a screenshot of each screen into docs/screenshots, the
# pictures the README shows. Plain test runs (CI) write none, so the tree stays clean.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HUBSYNC_E2E_SCREENSHOTS="$root/docs/screenshots" exec "$root/tests/e2e/run.sh"
