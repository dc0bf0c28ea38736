#!/usr/bin/env bash
# The Debian packages the tests need (the app's plus the tests' own): see system-deps.mjs.
exec node "$(dirname "$0")/system-deps.mjs" "$@"
