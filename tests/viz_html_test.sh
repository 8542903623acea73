#!/usr/bin/env bash
# Opens a generated map.html from disk in headless Chromium (Debian's
# chromium, driven by playwright-core from npm; both installed by
# `scripts/setup.sh --test`, nothing is installed here) with all network
# requests blocked, and checks: no request left the page, points were drawn,
# hovering a known point shows its text, the search count equals the number
# of texts holding the word, clusters and noise toggle, zoom keeps hover
# right, and a text holding </script><img onerror=...> stays inert. Without
# a topic tree the names are the clusters'; a second page, with a tree
# (2 groups of 4 and 3 clusters), names the 2 groups at the first view and
# the clusters zoomed in on one of them, and no two name boxes ever overlap
# (two of the clusters are so close that their names always would).
# Screenshots go to $BUILD/test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
source tests/lib/chromium.sh
[[ -x $BUILD/tests/test_viz ]] || make -s "$BUILD/tests/test_viz"
work=$(mktemp -d /tmp/viz_html_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts=$PWD/$BUILD/test-artifacts
mkdir -p "$artifacts"
"$BUILD/tests/test_viz" --html "$work/map.html" 2000
"$BUILD/tests/test_viz" --html-tree "$work/tree.html"

PAGE="$work/map.html" TREE="$work/tree.html" PROFILE="$work/profile" ART="$artifacts" \
timeout 90 node - <<'EOF'
'use strict';
const fs = require('fs');
const { check, failures, launch, overlaps } = require(process.env.TC_CHROMIUM);
const page_path = process.env.PAGE, art = process.env.ART;
const expect = JSON.parse(fs.readFileSync(page_path + '.expect.json', 'utf8'));
const url = 'file://' + page_path, treeUrl = 'file://' + process.env.TREE;

(async () => {
  const ctx = await launch(process.env.PROFILE, true);
  const requests = [], blocked = [], errors = [];
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || u === treeUrl) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  ctx.on('request', (r) => requests.push(r.url()));
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
  await page.goto(url);
  await page.waitForFunction(() => window.tcMap && window.tcMap.ready && document.readyState === 'complete', null, { timeout: 20000 });
  await page.screenshot({ path: art + '/viz_map.png' });

  const info = await page.evaluate(() => ({ n: tcMap.n, fp: tcMap.firstPaintMs }));
  check(info.n === expect.n, `page holds ${info.n} points (${expect.n})`);
  console.log(`     first paint ${info.fp.toFixed(0)} ms`);
  const inked = () => page.evaluate(() => {
    const c = document.getElementById('tc-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) k++;
    return k;
  });
  const ink0 = await inked();
  check(ink0 > expect.n, `points drawn: ${ink0} non-background pixels`);
  const dens0 = await page.evaluate(() => tcMap.densityCells);
  check(dens0 > 0, `density shading at the first view (${dens0} cells)`);
  const flat = await page.evaluate(() => ({ labels: tcMap.labels, names: JSON.parse(document.getElementById('tc-meta').textContent).clusters.map((c) => c.name) }));
  check(flat.labels.length >= 1 && flat.labels.every((l) => l.depth === 0 && flat.names.includes(l.name)) && !overlaps(flat.labels),
        `no tree: ${flat.labels.length} cluster names shown, none overlapping`);
  const rows = await page.$$eval('.tc-row', (r) => r.map((e) => e.querySelector('.tc-size').textContent));
  check(rows.length === expect.k, `cluster list has ${rows.length} rows`);

  async function hover(i) {
    const p = await page.evaluate((i) => tcMap.toScreen(i), i);
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(50);
    return page.evaluate(() => ({
      shown: getComputedStyle(document.getElementById('tc-tip')).display !== 'none',
      head: document.getElementById('tc-tip-head').textContent,
      text: document.getElementById('tc-tip-text').textContent,
      hovered: tcMap.hovered }));
  }
  let h = await hover(expect.probe);
  check(h.shown && h.text === expect.probe_text, `hover shows the probe text: ${JSON.stringify(h.text)}`);
  check(h.head === expect.probe_cluster, `hover names its cluster: ${JSON.stringify(h.head)}`);
  h = await hover(expect.evil);
  check(h.shown && h.text === expect.evil_text, `hostile text shown as plain text: ${JSON.stringify(h.text)}`);
  await page.screenshot({ path: art + '/viz_map_hover.png' });

  // search
  await page.fill('#tc-search', expect.word);
  await page.press('#tc-search', 'Enter');
  await page.waitForFunction(() => tcMap.matchCount > 0, null, { timeout: 5000 }).catch(() => {});
  const s = await page.evaluate(() => ({ c: tcMap.matchCount, label: document.getElementById('tc-count').textContent }));
  check(s.c === expect.count, `search "${expect.word}": ${s.c} highlighted (${expect.count} texts contain it)`);
  check(s.label.startsWith(String(expect.count) + ' '), `count shown: ${JSON.stringify(s.label)}`);
  await page.waitForTimeout(100);
  const red = await page.evaluate(() => {
    const c = document.getElementById('tc-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 200 && d[i + 1] === 0 && d[i + 2] === 30) k++;
    return k;
  });
  check(red >= expect.count, `highlighted points drawn: ${red} highlight pixels`);
  await page.screenshot({ path: art + '/viz_map_search.png' });
  await page.fill('#tc-search', '');
  await page.press('#tc-search', 'Enter');

  // noise off: the hostile point (noise) is no longer hoverable and less ink
  await page.click('#tc-noise');
  await page.waitForTimeout(100);
  h = await hover(expect.evil);
  check(!h.shown, 'noise off: noise point not hoverable');
  const ink1 = await inked();
  check(ink1 < ink0, `noise off: fewer pixels (${ink1} < ${ink0})`);
  await page.click('#tc-noise');
  // cluster toggle: the probe's cluster off, then on
  await page.click('.tc-row[data-cluster="10"]');
  await page.waitForTimeout(50);
  h = await hover(expect.probe);
  check(!h.shown, 'cluster off: its point not hoverable');
  await page.click('.tc-row[data-cluster="10"]');

  // zoom in around the probe: hover still finds it where it now is
  const before = await page.evaluate(() => tcMap.view.k);
  const p = await page.evaluate((i) => tcMap.toScreen(i), expect.probe);
  await page.mouse.move(p.x - 6, p.y + 4); // zoom about a spot just below-left: the probe stays in view
  await page.mouse.wheel(0, -600);
  await page.waitForTimeout(100);
  const after = await page.evaluate(() => tcMap.view.k);
  check(after > before * 1.5, `wheel zooms in (${before.toFixed(1)} -> ${after.toFixed(1)})`);
  h = await hover(expect.probe);
  check(h.shown && h.text === expect.probe_text, 'hover after zoom finds the probe');
  // pan by dragging
  const v0 = await page.evaluate(() => ({ ...tcMap.view }));
  const q = await page.evaluate((i) => tcMap.toScreen(i), expect.probe);
  await page.mouse.move(q.x + 20, q.y - 20);
  await page.mouse.down();
  await page.mouse.move(q.x + 120, q.y + 80, { steps: 4 });
  await page.mouse.up();
  const v1 = await page.evaluate(() => ({ ...tcMap.view }));
  check(Math.abs(v1.ox - v0.ox - 100) < 2 && Math.abs(v1.oy - v0.oy - 100) < 2, 'drag pans the view');
  await page.screenshot({ path: art + '/viz_map_zoomed.png' });

  // zoomed in past 4x the first view: points only, no shading
  const k0 = before;
  const cb = await page.evaluate(() => { const r = document.getElementById('tc-canvas').getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  await page.mouse.move(cb.x, cb.y);
  for (let w = 0; w < 10 && (await page.evaluate(() => tcMap.view.k)) < 5 * k0; w++) { await page.mouse.wheel(0, -600); await page.waitForTimeout(60); }
  await page.waitForTimeout(100);
  const dens1 = await page.evaluate(() => ({ c: tcMap.densityCells, k: tcMap.view.k }));
  check(dens1.k >= 5 * k0 && dens1.c === 0, `no shading zoomed in (${dens1.c} cells at ${(dens1.k / k0).toFixed(1)}x)`);

  // nothing injected, nothing fetched
  const inj = await page.evaluate(() => ({
    pwned: typeof window.__pwned, imgs: document.querySelectorAll('img').length,
    markup: document.querySelectorAll('b, i').length, scripts: document.scripts.length }));
  check(inj.pwned === 'undefined', 'window.__pwned is undefined');
  check(inj.imgs === 0 && inj.markup === 0, `no element injected (img ${inj.imgs}, b/i ${inj.markup})`);
  check(inj.scripts === 5, `the page's own 5 script elements only (${inj.scripts})`);
  check(blocked.length === 0, `no network request (${JSON.stringify(blocked)})`);
  check(requests.every((u) => u === url), `only the page itself was requested (${requests.length})`);
  check(errors.length === 0, `no page errors ${JSON.stringify(errors)}`);

  // names from the topic tree: the groups at the first view, the clusters zoomed in
  await page.goto(treeUrl);
  await page.waitForFunction(() => window.tcMap && window.tcMap.ready, null, { timeout: 20000 });
  await page.waitForTimeout(50);
  const first = await page.evaluate(() => tcMap.labels);
  const fn = first.map((l) => l.name).sort();
  check(JSON.stringify(fn) === JSON.stringify(['group A', 'group B']) && first.every((l) => l.depth === 1),
        `tree, first view: the top-level names ${fn.join(' | ')}`);
  check(!overlaps(first), 'tree, first view: no two names overlap');
  const a2 = await page.evaluate(() => { const m = JSON.parse(document.getElementById('tc-meta').textContent); return m.nodes.find((v) => v.name === 'leaf A2'); });
  const tk0 = await page.evaluate(() => tcMap.view.k);
  const at = await page.evaluate((v) => { const r = document.getElementById('tc-canvas').getBoundingClientRect(); return { x: r.left + tcMap.view.ox + v.x * tcMap.view.k, y: r.top + tcMap.view.oy - v.y * tcMap.view.k }; }, a2);
  await page.mouse.move(at.x, at.y);
  let clash = 0, steps = 0;
  for (; steps < 20 && (await page.evaluate(() => tcMap.view.k)) < 5 * tk0; steps++) {
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(60);
    if (overlaps(await page.evaluate(() => tcMap.labels))) clash++;
  }
  const wheeled = await page.evaluate(() => tcMap.view.k);
  await page.evaluate((v) => tcMap.zoomTo(v.x - 2, v.y - 2, v.x + 2, v.y + 2), a2);
  await page.waitForTimeout(60);
  const deep = await page.evaluate(() => ({ labels: tcMap.labels, k: tcMap.view.k }));
  const dn = deep.labels.map((l) => l.name).sort();
  check(wheeled >= 5 * tk0 && deep.k >= 4 * tk0 && dn.includes('leaf A2') && deep.labels.every((l) => l.depth === 2) && dn.length > fn.length,
        `tree, framed on leaf A2 (${(deep.k / tk0).toFixed(1)}x): finer names ${dn.join(' | ')}`);
  check(!dn.includes('leaf A4'), 'tree: the small cluster beside leaf A2 goes unnamed rather than overlap');
  check(clash === 0 && !overlaps(deep.labels), `tree: no two names overlap at any of ${steps} wheel steps to ${(wheeled / tk0).toFixed(1)}x, nor framed`);
  await page.screenshot({ path: art + '/viz_map_tree_zoomed.png' });
  check(errors.length === 0, `tree page: no page errors ${JSON.stringify(errors)}`);
  await ctx.close();
  console.log(failures() ? `viz_html_test: ${failures()} failed` : 'viz_html_test: all passed');
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
EOF
