#!/usr/bin/env bash
# Test-only tools from npm, pinned in tests/node/package.json and installed
# into tests/node/node_modules (git-ignored), only when tests are being set
# up: playwright-core drives the Debian chromium in tests/viz_html_test.sh;
# DuckDB (@duckdb/node-api) writes Parquet fixtures and reads back the
# Parquet files textclust writes. Idempotent: installs when a pinned version
# is missing.
set -euo pipefail
[[ ${TEST:-0} == 1 ]] || exit 0
cd "$(dirname "$0")/../.."
dir=tests/node
# Debian's nodejs and npm when there is no npm at all (a Node.js from elsewhere
# brings its own npm, which Debian's npm package would conflict with)
if ! command -v npm >/dev/null; then
    echo "setup: installing nodejs npm (Debian packages) for the test tools"
    sudo=; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
stale=0
for pkg in playwright-core @duckdb/node-api; do
    want=$(node -p "require('./$dir/package.json').dependencies['$pkg']")
    have=$(node -p "require('./$dir/node_modules/$pkg/package.json').version" 2>/dev/null || true)
    [[ $have == "$want" ]] || stale=1
done
if ((stale)); then
    echo "setup: npm install into $dir (playwright-core, @duckdb/node-api)"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error >/dev/null
fi
command -v chromium >/dev/null || echo "setup: warning: chromium missing (scripts/packages/viz-test.txt)" >&2
