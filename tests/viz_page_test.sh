#!/usr/bin/env bash
# The compiled-in page (src/viz/map_page.h) is generated from the template
# src/viz/map_page.html: check that it was regenerated after the last edit,
# and that the template's script is valid JavaScript.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.js"' EXIT
src/viz/gen_page.sh > "$tmp"
if ! cmp -s "$tmp" src/viz/map_page.h; then
    echo "src/viz/map_page.h is stale: run src/viz/gen_page.sh > src/viz/map_page.h" >&2
    diff "$tmp" src/viz/map_page.h | head -20 >&2
    exit 1
fi
# the last <script> of the template is the page's code
awk '/^<script>$/{on=1; next} /^<\/script>$/{on=0} on' src/viz/map_page.html > "$tmp.js"
[[ -s $tmp.js ]] || { echo "no script found in the template" >&2; exit 1; }
node --check "$tmp.js"
echo "viz_page_test: ok"
