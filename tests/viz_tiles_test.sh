#!/usr/bin/env bash
# The tiled map (map/) in headless Chromium, served by a local static server
# (python3 -m http.server on 127.0.0.1, a free port) with every other
# request blocked: 10,000 points with tiles of at most 500. The first view
# paints density shading from the root tile only; zooming onto a cluster
# fetches deeper tiles and draws points; hovering a point shows its input
# text; a search for a rare word finds exactly the texts holding it through
# one index shard and fetches no text chunk beyond those of the hits it
# lists; switching a cluster off hides its points; the names change with the
# zoom and never overlap; opened from file:// the page says it needs a server.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
source tests/lib/chromium.sh
[[ -x $BUILD/tests/test_viz_tiles ]] || make -s "$BUILD/tests/test_viz_tiles"
work=$(mktemp -d /tmp/viz_tiles_test.XXXXXX)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$BUILD/tests/test_viz_tiles" --write 10000 500 "$work" > /dev/null
serve "$work/map" "$work/server.log"

PORT="$port" WORK="$work" timeout 120 node - <<'EOF'
'use strict';
const fs = require('fs');
const { check, failures, launch, overlaps } = require(process.env.TC_CHROMIUM);
const base = `http://127.0.0.1:${process.env.PORT}/`;
const texts = JSON.parse(fs.readFileSync(process.env.WORK + '/texts.json', 'utf8'));
const meta = JSON.parse(fs.readFileSync(process.env.WORK + '/map/meta.json', 'utf8'));
(async () => {
  const ctx = await launch(process.env.WORK + '/profile');
  const blocked = [];
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(base) || u.startsWith('file://')) return route.continue();
    blocked.push(u); return route.abort();
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForFunction(() => window.tcMap && tcMap.ready && tcMap.pending === 0, null, { timeout: 30000 });
  const idle = async () => {
    await page.waitForTimeout(50);
    await page.waitForFunction(() => tcMap.pending === 0, null, { timeout: 20000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  };
  await idle();
  let s = await page.evaluate(() => ({ level: tcMap.level, shown: tcMap.pointsShown, req: tcMap.requests.slice(), labels: tcMap.labels, err: tcMap.error }));
  check(s.err === null && errors.length === 0, `first view without errors (${s.err || errors[0] || 'none'})`);
  check(s.req.length >= 1 && s.req.every((r) => r.startsWith('tiles/')), `first view fetched only tiles: ${s.req.join(' ')}`);
  check(s.req.includes('tiles/0-0-0.bin'), 'the root tile is fetched');
  check(s.shown === 0, `zoomed out the map is density shading (${s.shown} points drawn)`);
  const ink = await page.evaluate(() => {
    const c = document.getElementById('tc-canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) k++;
    return k / (d.length / 4);
  });
  check(ink > 0.02, `the shading covers ${(100 * ink).toFixed(1)}% of the canvas`);
  const names0 = s.labels.map((l) => l.name).sort();
  check(names0.length >= 1 && !overlaps(s.labels), `first view: ${names0.length} names, none overlapping: ${names0.join(' | ')}`);

  /* zoomed far out the names are the tree's upper nodes */
  await page.evaluate(() => { const k = tcMap.view.k; tcMap.fit(); });
  await page.mouse.move(800, 400);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 150);
  await idle();
  const far = await page.evaluate(() => tcMap.labels);
  const leaves = new Set(meta.clusters.map((c) => c.name));
  check(far.length >= 1 && far.every((l) => !leaves.has(l.name)) && !overlaps(far), `zoomed out: coarser names ${far.map((l) => l.name).join(' | ')}`);
  await page.evaluate(() => tcMap.fit());
  await idle();

  /* zoom onto cluster 0 (the mean of its points, a box of 3 units) */
  const c0 = meta.clusters.find((c) => c.id === 0);
  await page.evaluate((c) => tcMap.zoomTo(c.cx - 1.5, c.cy - 1.5, c.cx + 1.5, c.cy + 1.5), c0);
  await idle();
  s = await page.evaluate(() => ({ level: tcMap.level, shown: tcMap.pointsShown, req: tcMap.requests.slice(), labels: tcMap.labels }));
  check(s.level >= 1 && s.req.some((r) => /^tiles\/[1-9]/.test(r)), `zoomed in: level ${s.level}, deeper tiles fetched`);
  check(s.shown > 0, `zoomed in: ${s.shown} points drawn`);
  const names1 = s.labels.map((l) => l.name).sort();
  check(!overlaps(s.labels), `zoomed in: ${names1.length} names, none overlapping: ${names1.join(' | ')}`);
  check(JSON.stringify(names0) !== JSON.stringify(names1), 'the names change with the zoom');

  /* hover a drawn point: the tip holds that point's input text */
  const pts = await page.evaluate(() => tcMap.shownPoints());
  const onScreen = await page.evaluate((pts) => {
    const c = document.getElementById('tc-canvas').getBoundingClientRect();
    return pts.filter((p) => { const s = tcMap.toScreen(p[1], p[2]); return s.x > c.left + 20 && s.x < c.right - 20 && s.y > c.top + 20 && s.y < c.bottom - 20; });
  }, pts);
  const p = onScreen[Math.floor(onScreen.length / 2)];
  const at = await page.evaluate((p) => tcMap.toScreen(p[1], p[2]), p);
  await page.mouse.move(at.x, at.y);
  await page.waitForFunction(() => tcMap.hoverText !== null, null, { timeout: 10000 });
  const h = await page.evaluate(() => ({ id: tcMap.hovered, text: tcMap.hoverText, tip: document.getElementById('tc-tip-text').textContent }));
  const hp = pts.find((q) => q[0] === h.id);
  check(hp && Math.hypot(hp[1] - p[1], hp[2] - p[2]) * (await page.evaluate(() => tcMap.view.k)) <= 8, `hovered point ${h.id} is at the pointer`);
  check(h.text === texts[h.id] && h.tip === texts[h.id], `hover shows the input text of ${h.id}: "${h.text}"`);
  await page.mouse.move(5, 5);

  /* search a rare word: the hits are the texts holding it, through the index */
  const before = await page.evaluate(() => tcMap.requests.length);
  await page.fill('#tc-search', 'Zanzibar');
  await page.press('#tc-search', 'Enter');
  await page.waitForFunction(() => tcMap.search && tcMap.search.done, null, { timeout: 20000 });
  const sr = await page.evaluate((b) => ({ hits: tcMap.search.hits, listed: tcMap.search.listed, req: tcMap.requests.slice(b) }), before);
  const want = []; texts.forEach((t, i) => { if (/\bzanzibar\b/i.test(t)) want.push(i); });
  check(want.length > 0 && JSON.stringify(sr.hits) === JSON.stringify(want), `search finds the ${want.length} texts with the word (${sr.hits.length} hits)`);
  const shardReq = sr.req.filter((r) => r.startsWith('search/')), textReq = sr.req.filter((r) => r.startsWith('texts/'));
  const need = new Set(sr.listed.map((i) => 'texts/' + Math.floor(i / meta.text_chunk) + '.json'));
  check(shardReq.length === 1, `one index shard fetched: ${shardReq.join(' ')}`);
  check(textReq.every((r) => need.has(r)) && textReq.length <= need.size, `text chunks fetched: ${textReq.length}, the listed hits need ${need.size}`);
  check(sr.req.length - shardReq.length - textReq.length <= 1 + sr.req.filter((r) => r.startsWith('tiles/')).length, 'nothing else but points.bin and tiles fetched');
  const rows = await page.$$eval('#tc-hits .tc-hit', (els) => els.map((e) => e.textContent));
  check(rows.length === Math.min(want.length, 30) && rows.every((r, i) => r === texts[want[i]]), 'the listed hits show their texts');
  await page.fill('#tc-search', '');
  await page.press('#tc-search', 'Enter');

  /* a cluster switched off: none of its points drawn */
  const slot = await page.evaluate(() => { const c = tcMap.shownPoints(); const n = {}; c.forEach((p) => { n[p[3]] = (n[p[3]] || 0) + 1; }); let b = 0, bs = -1; for (const k in n) if (+k > 0 && n[k] > b) { b = n[k]; bs = +k; } return bs; });
  const id = meta.clusters[slot - 1].id;
  await page.click(`.tc-row[data-cluster="${id}"]`);
  await idle();
  const after = await page.evaluate((s) => tcMap.shownPoints().filter((p) => p[3] === s).length, slot);
  check(slot > 0 && after === 0, `cluster ${id} switched off: ${after} of its points drawn`);
  await page.click(`.tc-row[data-cluster="${id}"]`);
  await idle();
  const back = await page.evaluate((s) => tcMap.shownPoints().filter((p) => p[3] === s).length, slot);
  check(back > 0, `switched on again: ${back} of its points drawn`);
  check(blocked.length === 0, `no request left the local server (${blocked.length} blocked)`);

  /* from file:// the page says it needs a server */
  const fp = await ctx.newPage();
  await fp.goto('file://' + process.env.WORK + '/map/index.html');
  await fp.waitForFunction(() => window.tcMap, null, { timeout: 10000 });
  const fn = await fp.evaluate(() => ({ on: tcMap.fileNotice, shown: getComputedStyle(document.getElementById('tc-file')).display !== 'none',
                                        text: document.getElementById('tc-file').textContent }));
  check(fn.on && fn.shown && /http\.server/.test(fn.text), 'file:// shows the notice with the http.server line');
  await ctx.close();
  if (failures()) { console.log(failures() + ' failed'); process.exit(1); }
  console.log('viz tiles ok');
})().catch((e) => { console.error(e); process.exit(1); });
EOF
