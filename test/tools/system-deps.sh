#!/usr/bin/env bash
# Installs (or names) the Debian packages the test suite needs: the headless keychain,
# Chromium for the UI tests, ONNX test models for cross-checks, an OCI registry, openssl,
# PostgreSQL (the platform suite runs on a throwaway initdb/pg_ctl cluster).
set -euo pipefail
PKGS=(time chromium gnome-keyring dbus-x11 libsecret-1-dev libonnx-testdata docker-registry openssl postgresql)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "fleetpack tests: installing system packages: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "fleetpack tests need these system packages: ${missing[*]}" >&2
  echo "Install them as root with:  sudo sh -c '$cmd'" >&2
  exit 1
fi
