#!/usr/bin/env bash
# Benchmark of the map plots for 117,659 points (the WordNet gloss corpus,
# random blobs per lexicographer file, 15% noise; see bench/bench_viz.c):
#   - map.png and map.html written by textclust (seconds, HTML size),
#   - the reference's matplotlib map on the same points (12 x 8 in, 300 dpi,
#     s=0.75, alpha 0.8, a boxed fontsize-4 label per cluster, axes off), run
#     interleaved with ours; the ratio is matplotlib / ours for the PNG,
#   - first paint of map.html in headless Chromium: the page's own mark when
#     the canvas has been drawn (ms since navigation start) and the browser's
#     first-contentful-paint; then the time of one full redraw after a zoom.
# Needs `scripts/setup.sh --test` (chromium, playwright-core) and
# python3-matplotlib for the reference. The machine is shared: timings are
# noisy, medians of REPS runs are printed with nproc and load.
#   bench/viz.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BUILD=${BUILD:-build}
make -s "$BUILD/bench/bench_viz"
out=$(mktemp -d /tmp/bench_viz.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"

ours_png=() ours_html=() ref_png=()
for ((r = 0; r < REPS; r++)); do
    res=$("$BUILD/bench/bench_viz" "$out" "" 1)
    ours_png+=("$(awk '/^png/{print $2}' <<<"$res")")
    ours_html+=("$(awk '/^html/{print $2}' <<<"$res")")
    size=$(awk '/^html/{print $3}' <<<"$res")
    ref_png+=("$(/usr/bin/python3 - "$out" <<'EOF'
import sys, time
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
d = sys.argv[1]
xy = np.fromfile(d + "/xy.f32", dtype=np.float32).reshape(-1, 2)
lab = np.fromfile(d + "/labels.i64", dtype=np.int64)
names = open(d + "/names.txt").read().splitlines()
t0 = time.perf_counter()
fig = plt.figure(figsize=(12, 8), dpi=300)
ax = fig.add_subplot(1, 1, 1)
colors = np.where(lab == -1, "C0", np.array(["C%d" % (1 + l % 9) for l in np.maximum(lab, 0)]))
ax.scatter(xy[:, 0], xy[:, 1], s=0.75, alpha=0.8, c=colors)
for c, name in enumerate(names):
    m = lab == c
    if m.any():
        cx, cy = xy[m].mean(axis=0)
        ax.text(cx, cy, name, fontsize=4, bbox=dict(facecolor="white", alpha=0.8))
ax.set_axis_off()
fig.savefig(d + "/map_ref.png", dpi=300)
print("%.3f" % (time.perf_counter() - t0))
EOF
)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
mp=$(median "${ours_png[@]}") mh=$(median "${ours_html[@]}") mr=$(median "${ref_png[@]}")
echo "map.png  textclust: ${ours_png[*]} s (median $mp)"
echo "map.png  matplotlib reference: ${ref_png[*]} s (median $mr)  ratio reference/ours: $(awk -v a="$mr" -v b="$mp" 'BEGIN{printf "%.1f", a/b}')"
echo "map.html textclust: ${ours_html[*]} s (median $mh), $size bytes ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB)"

pw=$PWD/tests/node/node_modules/playwright-core
if [[ ! -d $pw || ! -x /usr/bin/chromium ]]; then
    echo "first paint: skipped (run scripts/setup.sh --test for chromium and playwright-core)"
    exit 0
fi
PW="$pw" PAGE="$out/map.html" PROFILE="$out/profile" REPS="$REPS" node - <<'EOF'
'use strict';
const { chromium } = require(process.env.PW);
(async () => {
  const ctx = await chromium.launchPersistentContext(process.env.PROFILE, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 900 }, offline: true });
  await ctx.route('**/*', (r) => r.request().url().startsWith('file://') ? r.continue() : r.abort());
  const paint = [], fcp = [], wall = [], hover = [], redraw = [];
  for (let r = 0; r < Number(process.env.REPS); r++) {
    const page = await ctx.newPage();
    const t0 = Date.now();
    await page.goto('file://' + process.env.PAGE, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.tcMap && tcMap.ready, null, { timeout: 60000, polling: 20 });
    wall.push(Date.now() - t0);
    await page.waitForTimeout(300);
    const m = await page.evaluate(() => ({ at: tcMap.paintAt,
      fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || -1 }));
    paint.push(m.at); fcp.push(m.fcp);
    // one redraw after a wheel zoom, timed in the page
    const p = await page.evaluate((i) => tcMap.toScreen(i), 0);
    await page.mouse.move(p.x, p.y);
    const d0 = await page.evaluate(() => tcMap.draws), h0 = Date.now();
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((d) => tcMap.draws > d, d0, { polling: 'raf' });
    hover.push(Date.now() - h0);
    redraw.push(await page.evaluate(() => tcMap.lastDrawMs));
    await page.close();
  }
  const med = (a) => a.slice().sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
  const f = (a) => a.map((x) => x.toFixed(0)).join(' ');
  console.log(`first paint (page mark, ms since navigation): ${f(paint)} (median ${med(paint).toFixed(0)})`);
  console.log(`first-contentful-paint (ms): ${f(fcp)} (median ${med(fcp).toFixed(0)})`);
  console.log(`goto -> ready seen by the driver (ms): ${f(wall)} (median ${med(wall).toFixed(0)})`);
  console.log(`zoom -> next frame drawn (ms, driver round trip): ${f(hover)} (median ${med(hover).toFixed(0)})`);
  console.log(`one full redraw of all points, in the page (ms): ${f(redraw)} (median ${med(redraw).toFixed(0)})`);
  await ctx.close();
})().catch((e) => { console.error(e); process.exit(1); });
EOF
