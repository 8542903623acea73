#!/usr/bin/env bash
# Benchmark of the tiled map (map/) at 1,000,000 points (8 Gaussian blobs,
# a tenth noise, short texts; tests/test_viz_tiles.c --write), against the
# single-file map.html of the same points in the same run:
#   - write time and size of each (map/: du of the folder),
#   - in headless Chromium through a local python3 http.server: first paint
#     (the page's own mark, ms since navigation start), a zoom from the full
#     view onto one cluster (ms from the call until every tile it needs is
#     fetched and drawn; map.html: until the redraw), and the page's JS heap
#     (CDP Performance.getMetrics JSHeapUsedSize) after the zoom.
# Needs `scripts/setup.sh --test` (chromium, playwright-core). The machine is
# shared: medians of REPS page loads, with the CPU and load printed.
#   bench/viz_tiles.sh [N] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
REPS=${2:-3}
BUILD=${BUILD:-build}
make -s "$BUILD/tests/test_viz_tiles"
pw=$PWD/tests/node/node_modules/playwright-core
out=$(mktemp -d /tmp/bench_viz_tiles.XXXXXX)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$out"' EXIT
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(uptime | sed 's/.*load/load/')"
"$BUILD/tests/test_viz_tiles" --write "$N" 16384 "$out" html > "$out/times"
echo "points: $N"
echo "write: map/ $(awk '/^tiles_s/{print $2}' "$out/times") s, map.html $(awk '/^html_s/{print $2}' "$out/times") s"
echo "size: map/ $(du -sb "$out/map" | cut -f1) bytes ($(ls "$out/map/tiles" | wc -l) tiles, $(ls "$out/map/texts" | wc -l) text chunks, $(ls "$out/map/search" | wc -l) index shards), map.html $(stat -c %s "$out/map.html") bytes"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 -d "$out" "$port" >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/map/meta.json" >/dev/null && break; sleep 0.1; done
PW="$pw" PORT="$port" OUT="$out" REPS="$REPS" node - <<'EOF'
'use strict';
const fs = require('fs');
const { chromium } = require(process.env.PW);
const base = `http://127.0.0.1:${process.env.PORT}/`;
const meta = JSON.parse(fs.readFileSync(process.env.OUT + '/map/meta.json', 'utf8'));
const c0 = meta.clusters.find((c) => c.id === 0);
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  for (const which of ['map/', 'map.html']) {
    const paint = [], zoom = [], heap = [];
    for (let r = 0; r < +process.env.REPS; r++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
      await ctx.route('**/*', (route) => route.request().url().startsWith(base) ? route.continue() : route.abort());
      const page = await ctx.newPage();
      await page.goto(base + which, { timeout: 120000 });
      await page.waitForFunction(() => window.tcMap && tcMap.ready && (tcMap.pending === undefined || tcMap.pending === 0), null, { timeout: 120000 });
      paint.push(await page.evaluate(() => tcMap.paintAt));
      const ms = await page.evaluate((c) => new Promise((done) => {
        const t = performance.now(), d0 = tcMap.draws, v = tcMap.view;
        if (tcMap.zoomTo) tcMap.zoomTo(c.cx - 1.5, c.cy - 1.5, c.cx + 1.5, c.cy + 1.5);
        else { /* map.html: the same box through its view */
          const cv = document.getElementById('tc-canvas').getBoundingClientRect(), k = Math.min(cv.width, cv.height) / 3;
          v.k = k; v.ox = cv.width / 2 - c.cx * k; v.oy = cv.height / 2 + c.cy * k;
          window.dispatchEvent(new Event('resize'));
        }
        (function wait() {
          if (tcMap.draws > d0 && !(tcMap.pending > 0)) requestAnimationFrame(() => done(performance.now() - t));
          else setTimeout(wait, 5);
        })();
      }), c0);
      zoom.push(ms);
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      const m = (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'JSHeapUsedSize');
      heap.push(m.value / 1048576);
      await ctx.close();
    }
    console.log(`${which.padEnd(8)} first paint ${med(paint).toFixed(0)} ms (runs ${paint.map((x) => x.toFixed(0)).join(' ')}), ` +
                `zoom to one cluster ${med(zoom).toFixed(0)} ms (runs ${zoom.map((x) => x.toFixed(0)).join(' ')}), JS heap ${med(heap).toFixed(0)} MiB`);
  }
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
EOF
