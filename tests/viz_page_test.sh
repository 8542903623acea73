#!/usr/bin/env bash
# The compiled-in pages (src/viz/map_page.h, and map_tiles_page.h of the
# tiled map) are generated from the templates src/viz/map_page.html and
# map_tiles.html and the files they include (map_style.css, map_panel.html,
# map_shared.js): check that they were regenerated after the last edit, and
# that the pages' scripts, includes put in, are valid JavaScript.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -rf "$tmp" "$tmp.js" "$tmp.d"' EXIT
src/viz/gen_page.sh > "$tmp"
if ! cmp -s "$tmp" src/viz/map_page.h; then
    echo "src/viz/map_page.h is stale: run src/viz/gen_page.sh > src/viz/map_page.h" >&2
    diff "$tmp" src/viz/map_page.h | head -20 >&2
    exit 1
fi
# the last <script> of the template is the page's code
src/viz/gen_page.sh --expand src/viz/map_page.html | awk '/^<script>$/{on=1; next} /^<\/script>$/{on=0} on' > "$tmp.js"
[[ -s $tmp.js ]] || { echo "no script found in the template" >&2; exit 1; }
grep -q "function tcNames" "$tmp.js" || { echo "map_shared.js not put into map_page.html" >&2; exit 1; }
node --check "$tmp.js"
src/viz/gen_page.sh src/viz/map_tiles.html tc_map_tiles > "$tmp"
if ! cmp -s "$tmp" src/viz/map_tiles_page.h; then
    echo "src/viz/map_tiles_page.h is stale: run src/viz/gen_page.sh src/viz/map_tiles.html tc_map_tiles > src/viz/map_tiles_page.h" >&2
    exit 1
fi
src/viz/gen_page.sh --expand src/viz/map_tiles.html | awk '/^<script>$/{on=1; next} /^<\/script>$/{on=0} on' > "$tmp.js"
[[ -s $tmp.js ]] || { echo "no script found in map_tiles.html" >&2; exit 1; }
node --check "$tmp.js"
# an include that is not there stops gen_page.sh (no header with a hole in it)
mkdir "$tmp.d"
printf '<!--TC:DATA-->\n<!--TC:INCLUDE missing.js-->\n<!--TC:TEXTS-->\n' > "$tmp.d/page.html"
if src/viz/gen_page.sh "$tmp.d/page.html" > /dev/null 2> "$tmp.d/err"; then
    echo "gen_page.sh accepted a missing include" >&2; exit 1
fi
grep -q "cannot include $tmp.d/missing.js" "$tmp.d/err" || { echo "gen_page.sh: $(cat "$tmp.d/err")" >&2; exit 1; }
echo "viz_page_test: ok"
