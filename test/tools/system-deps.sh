#!/usr/bin/env bash
# Installs (or names) the Debian packages the test suite needs: the headless keychain,
# Chromium for the UI tests, ONNX test models for cross-checks, an OCI registry (plus skopeo for
# interop and htpasswd from apache2-utils for its Basic auth), openssl.
set -euo pipefail
PKGS=(time chromium gnome-keyring dbus-x11 libsecret-1-dev libonnx-testdata docker-registry skopeo apache2-utils openssl)
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
