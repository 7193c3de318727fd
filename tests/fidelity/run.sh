#!/usr/bin/env bash
# Runs HubSpot's official Python client against hubsync-sandbox (tests/fidelity/*.py).
# Works from any cwd. Keeps a venv under the user's cache, rebuilt when requirements.txt or the
# Python version changes; builds the sandbox first (cargo skips it when current) unless
# HUBSYNC_SANDBOX_BIN names a binary already built. Extra arguments go to
# pytest. Exits with pytest's status.
set -euo pipefail
HUBSYNC_LOG_TAG=fidelity
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
hubsync_env

here="$HUBSYNC_ROOT/tests/fidelity"
# ${XDG_CACHE_HOME:-$HOME/.cache}/hubsync, from lib.sh.
venv="$HUBSYNC_CACHE/fidelity-venv"

apt_install() {
    [ "$(id -u)" -eq 0 ] || die "$* missing: run 'apt-get install -y $*' as root"
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
}

make_venv() {
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >/dev/null
}

command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv

# The stamp names what the venv was built from; anything else means a rebuild.
stamp="$( (sha256sum <"$here/requirements.txt" && python3 -VV) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$venv/.requirements-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -x "$venv/bin/python" ]; then
    log "creating the venv in $venv"
    # Debian's python3 has no ensurepip, hence no venv, without python3-venv.
    if ! make_venv 2>/dev/null; then
        apt_install python3-venv
        make_venv
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"
    # Written last, so an interrupted install is redone next time.
    echo "$stamp" >"$venv/.requirements-stamp"
fi

if [ -n "${HUBSYNC_SANDBOX_BIN:-}" ]; then
    # The caller built it (scripts/test.sh passes the binary its test step just built).
    [ -x "$HUBSYNC_SANDBOX_BIN" ] || die "HUBSYNC_SANDBOX_BIN=$HUBSYNC_SANDBOX_BIN is not an executable"
else
    command -v cargo >/dev/null 2>&1 || die "cargo is needed to build the sandbox (or set HUBSYNC_SANDBOX_BIN)"
    HUBSYNC_SANDBOX_BIN="$(hubsync_target_dir)/debug/hubsync-sandbox"
    export HUBSYNC_SANDBOX_BIN
    # Always ask cargo (a no-op when the binary is current), so a stale binary is never tested.
    cargo build --quiet --manifest-path "$HUBSYNC_ROOT/Cargo.toml" -p hubsync-sandbox
    [ -x "$HUBSYNC_SANDBOX_BIN" ] || die "no sandbox binary at $HUBSYNC_SANDBOX_BIN after building it"
fi

# No .pytest_cache or __pycache__ left in the source tree.
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest -p no:cacheprovider --rootdir "$here" "$here" "$@"
