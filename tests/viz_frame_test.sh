#!/usr/bin/env bash
# map.html's first view frames the bulk of the points as map.png does: a
# page of 3000 points in [-9, 9]^2 and 12 outliers about 1000 away opens in
# headless Chromium (network off) with the 3000 spread over most of the
# canvas (framed on every point, they would fill about 1% of its width) and
# the outliers off screen; a double click (refit) returns to that view.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
source tests/lib/chromium.sh
[[ -x $BUILD/tests/test_viz ]] || make -s "$BUILD/tests/test_viz"
work=$(mktemp -d /tmp/viz_frame_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$BUILD/tests/test_viz" --html-outliers "$work/map.html"

PAGE="$work/map.html" PROFILE="$work/profile" timeout 90 node - <<'EOF'
'use strict';
const { check, failures, launch } = require(process.env.TC_CHROMIUM);
const url = 'file://' + process.env.PAGE;
(async () => {
  const ctx = await launch(process.env.PROFILE, true);
  await ctx.route('**/*', (route) => route.request().url() === url ? route.continue() : route.abort());
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.tcMap && window.tcMap.ready, null, { timeout: 20000 });
  const box = () => page.evaluate(() => {
    const c = document.getElementById('tc-canvas').getBoundingClientRect();
    const n = tcMap.n, bulk = n - 12;
    let x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9, far_in = 0;
    for (let i = 0; i < n; i++) {
      const p = tcMap.toScreen(i);
      if (i < bulk) { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); }
      else if (p.x >= c.left && p.x <= c.right && p.y >= c.top && p.y <= c.bottom) far_in++;
    }
    return { w: (x1 - x0) / c.width, h: (y1 - y0) / c.height, inside: x0 >= c.left && x1 <= c.right && y0 >= c.top && y1 <= c.bottom,
             far_in, cx: (c.left + c.right) / 2, cy: (c.top + c.bottom) / 2 };
  });
  const b = await box();
  check(Math.max(b.w, b.h) > 0.6, `the bulk spans ${(100 * b.w).toFixed(0)}% x ${(100 * b.h).toFixed(0)}% of the canvas`);
  check(b.inside, 'every point of the bulk is on screen');
  check(b.far_in === 0, `${b.far_in} far outliers on screen`);
  await page.mouse.wheel(0, 0);
  await page.mouse.move(b.cx, b.cy);
  await page.mouse.wheel(0, 600);
  await page.waitForTimeout(100);
  await page.mouse.dblclick(b.cx, b.cy);
  await page.waitForTimeout(100);
  const b2 = await box();
  check(Math.abs(b2.w - b.w) < 1e-6 && Math.abs(b2.h - b.h) < 1e-6, 'a double click refits to the same view');
  await ctx.close();
  if (failures()) { console.log(failures() + ' failed'); process.exit(1); }
  console.log('viz frame ok');
})().catch((e) => { console.error(e); process.exit(1); });
EOF
