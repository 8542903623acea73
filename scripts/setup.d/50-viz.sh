#!/usr/bin/env bash
# Test setup of the HTML map: playwright-core (pinned) from npm drives the
# Debian chromium in tests/viz_html_test.sh. Installed into tests/node/
# (git-ignored node_modules), only when tests are being set up. Idempotent.
set -euo pipefail
[[ ${TEST:-0} == 1 ]] || exit 0
cd "$(dirname "$0")/../.."
PW_VERSION=1.65.1
dir=tests/node
have=$(node -p "require('./$dir/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [[ $have != "$PW_VERSION" ]]; then
    echo "setup: npm install playwright-core@$PW_VERSION into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
        "playwright-core@$PW_VERSION" >/dev/null
fi
command -v chromium >/dev/null || echo "setup: warning: chromium missing (scripts/packages/viz-test.txt)" >&2
