#!/usr/bin/env bash
# `npm test`: everything, from a fresh clone. System packages, install, format, lint, typecheck, build,
# unit + integration (vitest) and UI (Playwright, Debian's Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
bash test/tools/system-deps.sh
# Not installed yet: the same install as `npm run setup` (system packages are done just above).
[ -d node_modules ] || node test/tools/setup.mjs --no-system
mkdir -p test-results
echo "== format"; npm run --silent format:check
echo "== lint"; npm run --silent lint
echo "== typecheck"; npm run --silent typecheck
echo "== build"; npm run --silent build >test-results/build.log 2>&1 || { cat test-results/build.log; exit 1; }
status=0
echo "== vitest"
bash test/tools/with-services.sh npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1
if compgen -G "test/e2e/*.spec.ts" >/dev/null; then
  echo "== playwright"
  bash test/tools/with-services.sh npx playwright test || status=1
fi
node test/tools/summarize.mjs || status=1
exit $status
