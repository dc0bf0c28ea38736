#!/usr/bin/env bash
# Runs a command with the services the tests use: a real Secret Service (gnome-keyring,
# unlocked, in its own D-Bus session with a throwaway HOME so no real keyring is touched).
set -euo pipefail
if [ -n "${FLEETPACK_SERVICES:-}" ]; then exec "$@"; fi
export FLEETPACK_REAL_HOME="$HOME"
# npm and friends keep using the real cache while the keyring lives in a throwaway HOME.
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
tmp_home="$(mktemp -d /tmp/fleetpack-home.XXXXXX)"
trap 'rm -rf "$tmp_home"' EXIT
export HOME="$tmp_home" XDG_DATA_HOME="$tmp_home/.local/share" XDG_CONFIG_HOME="$tmp_home/.config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
export FLEETPACK_SERVICES=1
dbus-run-session -- sh -c 'echo -n fleetpack-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh "$@"
