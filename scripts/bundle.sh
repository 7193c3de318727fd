#!/usr/bin/env bash
# Builds the release .deb (AppImage would download tools at build time, so it is not a target).
# The Tauri CLI runs from the repository root: that is where it finds src-tauri/tauri.conf.json.
set -euo pipefail
HUBSYNC_LOG_TAG="bundle"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HUBSYNC_ROOT"

bash scripts/setup.sh
hubsync_env
npm exec --prefix ui -- tauri build --bundles deb "$@"
