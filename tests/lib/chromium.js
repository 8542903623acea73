// tests/lib/chromium.js - what the browser tests' node scripts share
// (tests/lib/chromium.sh exports its path as TC_CHROMIUM): Chromium
// launched the same way for all, the ok/FAIL line per check, and the
// overlap test of the pages' name boxes.
'use strict';
const { chromium } = require(process.env.PW);
let failed = 0;

/* prints "ok   what" or "FAIL what"; failures() counts the latter */
function check(cond, what) {
  if (cond) console.log('ok   ' + what);
  else { failed++; console.log('FAIL ' + what); }
}
function failures() { return failed; }

/* whether any two of the boxes {x, y, w, h} overlap */
function overlaps(ls) {
  for (let i = 0; i < ls.length; i++)
    for (let j = 0; j < i; j++) {
      const a = ls[i], b = ls[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) return true;
    }
  return false;
}

/* headless Debian chromium with a fresh profile folder, 1280 x 800 at 1x;
   offline unless a test serves pages locally (it then aborts every other
   request through ctx.route) */
function launch(profile, offline) {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, offline: !!offline,
  });
}

module.exports = { check, failures, overlaps, launch };
