#!/usr/bin/env bash
# show --overlay end to end: a small fit and infer (the fast flags of
# infer_inputs.sh), show with and without the overlay (the output given as
# two files, as shards are), then
#  - map.png: decoded with zlib + numpy; the pixels that differ from the map
#    without overlay lie on the overlay discs (positions projected with the
#    frame of map.png, recomputed here from projections.npy) or in the
#    legend, and every overlay point changed a pixel at its centre;
#  - map.html in headless Chromium (playwright-core, network blocked): the
#    overlay layer holds every inferred text, switches off and on (ink
#    drops and returns, its points stop and start answering hover), and
#    hovering one shows its id, label and distance;
#  - the tiled map (map/, forced with --map_max_points 100), served by a
#    local python3 -m http.server: the same checks on its layer, which it
#    fetches as overlay.json;
#  - a line without x is refused naming file and line; a file with labels
#    the save lacks is drawn grey with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
BUILD=${BUILD:-build}
source tests/lib/chromium.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-overlay.XXXXXX")
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
artifacts=$PWD/$BUILD/test-artifacts
mkdir -p "$artifacts"

zcat data/sample.jsonl.gz | sed -n '1,600p' > "$T/train.jsonl"
$TC run --input "$T/train.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 \
    --dbscan_min_samples 10 --threads 2 --quiet --no_plots --save_load_path "$T/a" > /dev/null
zcat data/sample.jsonl.gz | sed -n '1201,1500p' > "$T/new.jsonl"
$TC infer --save_load_path "$T/a" --input "$T/new.jsonl" --input_content text --output "$T/out.jsonl" \
    --max_distance 1.2 --threads 2 --quiet
head -n 120 "$T/out.jsonl" > "$T/out1.jsonl"
tail -n +121 "$T/out.jsonl" > "$T/out2.jsonl"
P=(--plot_width 800 --plot_height 600)
$TC show --save_load_path "$T/a" --output "$T/plain" "${P[@]}" --quiet
$TC show --save_load_path "$T/a" --output "$T/ov" "${P[@]}" --overlay "$T/out1.jsonl" "$T/out2.jsonl" 2> "$T/show.err" \
    || fail "show --overlay: $(cat "$T/show.err")"
grep -q "overlay: 300 inferred texts" "$T/show.err" || fail "show did not report 300 texts: $(cat "$T/show.err")"
cp "$T/ov/map.png" "$artifacts/overlay_map.png"
$TC show --save_load_path "$T/a" --output "$T/tiled" "${P[@]}" --map_max_points 100 --overlay "$T/out.jsonl" \
    2> "$T/tiled.err" || fail "show --overlay, tiled: $(cat "$T/tiled.err")"
[[ -f $T/tiled/map/overlay.json && ! -e $T/tiled/map.html ]] || fail "the tiled show wrote no map/overlay.json"
serve "$T/tiled/map" "$T/server.log"

# bad input: a line without x, named with file and line
sed '5s/"x":[^,]*,//' "$T/out.jsonl" > "$T/bad.jsonl"
if $TC show --save_load_path "$T/a" --output "$T/bad" --overlay "$T/bad.jsonl" 2> "$T/bad.err"; then
    fail "show accepted a line without x"
fi
grep -q "$T/bad.jsonl: line 5: x: missing" "$T/bad.err" || fail "error lacks file, line and field: $(cat "$T/bad.err")"
# labels this save lacks: drawn, with a warning
sed 's/"label":[-0-9]*/"label":99/' "$T/out.jsonl" > "$T/foreign.jsonl"
$TC show --save_load_path "$T/a" --output "$T/foreign" "${P[@]}" --overlay "$T/foreign.jsonl" 2> "$T/foreign.err" \
    || fail "show with unknown labels failed"
grep -q "300 of the 300 inferred texts have labels that are not clusters" "$T/foreign.err" \
    || fail "no warning for labels the map lacks: $(cat "$T/foreign.err")"

# map.png: where the pixels changed
$PY - "$T" <<'PY' || fail "map.png check"
import json, struct, sys, zlib
import numpy as np
t = sys.argv[1]

def read_png(path):  # 8-bit RGB/RGBA, filters None/Sub/Up (what png.c writes is Up)
    b = open(path, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", None
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", data[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            ch = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * ch)
    out = np.zeros((h, w * ch), np.uint8)
    for y in range(h):
        f, row = raw[y, 0], raw[y, 1:].astype(np.int64)
        prev = out[y - 1].astype(np.int64) if y else np.zeros_like(row)
        if f == 0: out[y] = row
        elif f == 2: out[y] = (row + prev) % 256
        elif f == 1:
            r = row.reshape(w, ch)
            out[y] = (np.cumsum(r, axis=0) % 256).reshape(-1)
        else: raise SystemExit("filter %d not decoded here" % f)
    return out.reshape(h, w, ch)[:, :, :3].astype(np.int32)

a, b = read_png(t + "/plain/map.png"), read_png(t + "/ov/map.png")
H, W = a.shape[:2]
# the frame of map.png (tc_viz_map_frame): central 99% box widened by a quarter, within the bbox
xy = np.load(t + "/a/projections.npy").astype(np.float32)
xy = xy[np.isfinite(xy).all(1)]
box = []
for ax in range(2):
    v = np.sort(xy[:, ax]); m = len(v)
    lo, hi = float(v.min()), float(v.max())
    if m >= 200:
        q0, q1 = float(v[m // 200]), float(v[m - 1 - m // 200]); pad = 0.25 * (q1 - q0)
        lo, hi = max(lo, q0 - pad), min(hi, q1 + pad)
    box += [lo, hi]
margin = 0.03 * min(W, H)
scale = min((W - 2 * margin) / (box[1] - box[0]), (H - 2 * margin) / (box[3] - box[2]))
x0, y0 = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
ov = [json.loads(l) for l in open(t + "/out.jsonl")]
px = np.array([W / 2 + (o["x"] - x0) * scale for o in ov])
py = np.array([H / 2 - (o["y"] - y0) * scale for o in ov])
# the overlay's radii (tc_viz_overlay_style)
r = min(max(0.28 * (W * H / len(ov)) ** 0.5, 0), 0.004 * min(W, H)); r = max(r, 1.0)
inner = max(1.5, r); outer = inner + max(1.0, 0.35 * inner)
fs = max(10, 0.009 * min(W, H))
diff = (a != b).any(2)
ys, xs = np.nonzero(diff)
d = np.sqrt((xs[:, None] + 0.5 - px[None]) ** 2 + (ys[:, None] + 0.5 - py[None]) ** 2).min(1)
legend = (ys >= H - 3 * fs) & (xs < 0.9 * W)
stray = (d > outer + 1.0) & ~legend
print("changed pixels: %d on overlay discs, %d in the legend, %d elsewhere" % ((d <= outer + 1.0).sum(), (legend & (d > outer + 1.0)).sum(), stray.sum()))
assert stray.sum() == 0, "pixels changed away from every overlay point: %s" % list(zip(xs[stray][:5], ys[stray][:5]))
inside = (px >= 2) & (px < W - 2) & (py >= 2) & (py < H - 2)
hit = [diff[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2].any() for x, y in zip(px[inside], py[inside])]
print("overlay points inside the frame: %d, with a changed centre: %d" % (inside.sum(), sum(hit)))
assert inside.sum() > 250 and all(hit), "an overlay point left the map unchanged"
assert legend.sum() > 200, "no legend"
PY

# map.html in Chromium
PAGE="$T/ov/map.html" TILED="http://127.0.0.1:$port/" PLAIN="$T/plain/map.html" OUT="$T/out.jsonl" PROFILE="$T/profile" ART="$artifacts" \
timeout 90 node - <<'EOF' || fail "map.html overlay checks"
'use strict';
const fs = require('fs');
const { check, failures, launch } = require(process.env.TC_CHROMIUM);
const want = fs.readFileSync(process.env.OUT, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
const check0 = check;
(async () => {
  const ctx = await launch(process.env.PROFILE);
  const errors = [], blocked = [];
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://') || u.startsWith(process.env.TILED)) return route.continue();
    blocked.push(u); return route.abort();
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  const open = async (p) => {
    await page.goto(p.startsWith('http') ? p : 'file://' + p);
    await page.waitForFunction(() => window.tcMap && tcMap.ready && document.readyState === 'complete' && !tcMap.pending, null, { timeout: 20000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  };
  await open(process.env.PLAIN);
  const plain = await page.evaluate(() => ({ n: tcMap.overlay.n, row: document.getElementById('tc-ov-row').hidden }));
  check(plain.n === 0 && plain.row, 'a map without overlay has no layer and hides its switch');
  for (const which of [process.env.PAGE, process.env.TILED]) {
  const tag = which.startsWith('http') ? 'map/: ' : 'map.html: ';
  const check = (c, what) => check0(c, tag + what);
  await open(which);
  const info = await page.evaluate(() => ({ n: tcMap.overlay.n, total: tcMap.overlay.total, on: tcMap.overlay.on,
    row: document.getElementById('tc-ov-row').hidden, label: document.getElementById('tc-ov-n').textContent }));
  check(info.n === want.length && info.total === want.length, `overlay layer holds ${info.n} points (${want.length})`);
  check(info.on && !info.row && info.label === String(want.length), `switch shown, on, counting ${info.label}`);
  const ink = () => page.evaluate(() => {
    const c = document.getElementById('tc-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 60 && d[i + 1] < 60 && d[i + 2] < 60) k++;  /* the dark rims */
    return k;
  });
  const hover = async (j) => {
    const p = await page.evaluate((j) => tcMap.overlayToScreen(j), j);
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(60);
    return page.evaluate(() => ({ shown: getComputedStyle(document.getElementById('tc-tip')).display !== 'none',
      head: document.getElementById('tc-tip-head').textContent, text: document.getElementById('tc-tip-text').textContent,
      j: tcMap.hoveredOverlay }));
  };
  // a point with no other overlay point near it, so the hover must find that one
  const probe = await page.evaluate(() => {
    let best = -1, bd = -1;
    for (let j = 0; j < tcMap.overlay.n; j++) {
      const p = tcMap.overlayToScreen(j); let d = 1e9;
      for (let k = 0; k < tcMap.overlay.n; k++) if (k !== j) { const q = tcMap.overlayToScreen(k); d = Math.min(d, Math.hypot(p.x - q.x, p.y - q.y)); }
      if (d > bd) { bd = d; best = j; }
    }
    return best;
  });
  const on0 = await ink();
  let h = await hover(probe);
  check(h.shown && h.j === probe && h.head === 'inferred: ' + want[probe].id, `hover shows the id: ${JSON.stringify(h.head)}`);
  check(h.text.startsWith('label ' + want[probe].label) && h.text.includes('distance ' + want[probe].distance),
        `and its label and distance: ${JSON.stringify(h.text)}`);
  await page.screenshot({ path: process.env.ART + (which === process.env.PAGE ? '/overlay_map_hover.png' : '/overlay_tiles_hover.png') });
  await page.click('#tc-overlay');
  await page.waitForTimeout(100);
  const off = await ink();
  check(off < on0 * 0.5, `layer off: dark rims ${on0} -> ${off}`);
  h = await hover(probe);
  check(h.j === -1 && (!h.shown || !h.head.startsWith('inferred')), 'layer off: its points do not answer hover');
  await page.click('#tc-overlay');
  await page.waitForTimeout(100);
  const on1 = await ink();
  check(on1 === on0, `layer on again: the same pixels (${on1})`);
  h = await hover(probe);
  check(h.j === probe, 'layer on again: hover finds the point');
  await page.mouse.move(5, 5);
  }
  check(errors.length === 0 && blocked.length === 0, `no page errors or requests ${JSON.stringify(errors.concat(blocked))}`);
  await ctx.close();
  console.log(failures() ? `overlay html: ${failures()} failed` : 'overlay html: all passed');
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
EOF
echo "overlay_test: ok"
