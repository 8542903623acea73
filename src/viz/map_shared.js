/* ==== map_shared.js: the code map.html and map/index.html share, put into
   both templates by gen_page.sh (<!--TC:INCLUDE map_shared.js-->): the
   panel (noise switch, cluster list), the names, the inferred-texts
   overlay and the tooltip's placement. Each function takes what it needs;
   nothing here knows how a page stores or fetches its points. */

/* ---- panel: the noise switch, the cluster list biggest first, all / none.
   visible (K + 1): slot 0 = noise, c+1 = cluster c; changed() after each switch */
function tcPanel($, meta, clusters, visible, changed) {
  var K = clusters.length, rows = [], bySize = [];
  for (var c = 0; c < K; c++) bySize.push(c);
  bySize.sort(function (a, b) { return clusters[b].size - clusters[a].size || a - b; });
  $('tc-noise-n').textContent = meta.n_noise;
  $('tc-noise').addEventListener('change', function () { visible[0] = this.checked ? 1 : 0; changed(); });
  var list = $('tc-list'), frag = document.createDocumentFragment();
  bySize.forEach(function (c) {
    var cl = clusters[c], row = document.createElement('div');
    row.className = 'tc-row'; row.setAttribute('data-cluster', String(cl.id));
    var sw = document.createElement('span'); sw.className = 'tc-sw'; sw.style.background = cl.color;
    var nm = document.createElement('span'); nm.className = 'tc-name'; nm.textContent = cl.name || ('cluster ' + cl.id);
    var sz = document.createElement('span'); sz.className = 'tc-size'; sz.textContent = String(cl.size);
    row.appendChild(sw); row.appendChild(nm); row.appendChild(sz);
    row.addEventListener('click', function () { visible[c + 1] ^= 1; row.classList.toggle('off', !visible[c + 1]); changed(); });
    rows[c] = row; frag.appendChild(row);
  });
  list.appendChild(frag);
  $('tc-summary').textContent = K + ' clusters, ' + meta.n + ' texts';
  function setAll(v) { for (var c = 0; c < K; c++) { visible[c + 1] = v; rows[c].classList.toggle('off', !v); } changed(); }
  $('tc-all').addEventListener('click', function () { setAll(1); });
  $('tc-none').addEventListener('click', function () { setAll(0); });
}

/* ---- names: the tree cut where a node's spread fits the screen, biggest
   first, none overlapping. nodes: {parent (-1 = a root), cluster (a leaf's
   label, -1 above), size, x, y (mean of its texts), r (their RMS distance
   from it), name}; without a topic tree the clusters are the roots, so the
   names are the clusters'. clusterOn(label): is that cluster switched on */
var TC_CUT_PX = 110;  /* a node whose spread is wider than this on screen is named by its children */
function tcNames(nodes, clusterOn) {
  var N = nodes.length, kids = nodes.map(function () { return []; }), roots = [];
  nodes.forEach(function (v, i) { if (v.parent >= 0 && v.parent < N && v.parent !== i) kids[v.parent].push(i); else roots.push(i); });
  /* a node is shown while one of its clusters is (a damaged tree's cycle ends at N hops) */
  function on(i, hops) {
    var v = nodes[i];
    if (v.cluster >= 0) return clusterOn(v.cluster);
    if (hops > N) return false;
    for (var j = 0; j < kids[i].length; j++) if (on(kids[i][j], hops + 1)) return true;
    return kids[i].length === 0;
  }
  return function draw(ctx, view, cw, ch, dpr) {
    var cut = [], stack = roots.slice(), seen = new Uint8Array(N);
    while (stack.length) {
      var i = stack.pop(), v = nodes[i];
      if (seen[i]) continue;
      seen[i] = 1;
      if (kids[i].length && (v.r * view.k > TC_CUT_PX || !v.name)) stack.push.apply(stack, kids[i]);
      else cut.push(i);
    }
    cut.sort(function (a, b) { return nodes[b].size - nodes[a].size || a - b; });
    ctx.save();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var fs = 12, placed = [];
    ctx.font = fs + 'px "DejaVu Sans", sans-serif'; ctx.textBaseline = 'middle';
    for (var o = 0; o < cut.length; o++) {
      i = cut[o]; v = nodes[i];
      if (!v.name || !on(i, 0)) continue;
      var text = v.name.length > 60 ? v.name.slice(0, 59) + '\u2026' : v.name;
      var w = ctx.measureText(text).width + 10, h = fs + 8;
      var x = view.ox + v.x * view.k - w / 2, y = view.oy - v.y * view.k - h / 2;
      if (x + w < 0 || y + h < 0 || x > cw || y > ch) continue;
      var clash = false;
      for (var p = 0; p < placed.length && !clash; p++) {
        var b = placed[p];
        clash = x < b.x + b.w + 2 && b.x < x + w + 2 && y < b.y + b.h + 2 && b.y < y + h + 2;
      }
      if (clash) continue;
      placed.push({ node: i, name: v.name, depth: depthOf(i), x: x, y: y, w: w, h: h });
      ctx.fillStyle = 'rgba(255,255,255,0.88)'; ctx.strokeStyle = 'rgba(60,60,60,0.9)';
      ctx.fillRect(x, y, w, h); ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
      ctx.fillStyle = '#141414'; ctx.fillText(text, x + 5, y + h / 2 + 0.5);
    }
    ctx.restore();
    return placed;
  };
  function depthOf(i) { var d = 0; while (nodes[i].parent >= 0 && nodes[i].parent < N && d <= N) { i = nodes[i].parent; d++; } return d; }
}

/* ---- overlay: the texts inferred after the fit (show --overlay), in the
   map's data space: ov = {n_total, n, x[], y[], label[], distance[], id[]}
   or null. Points take their cluster's slot (0 = noise or a label the map
   lacks). Drawn through plot(x, y, size, r, g, b, a), the page's own. */
function tcOverlay(ov, clusters) {
  var n = ov ? ov.n : 0, slot = new Uint32Array(n), slotOf = {};
  for (var c = 0; c < clusters.length; c++) slotOf[clusters[c].id] = c + 1;
  for (var j = 0; j < n; j++) slot[j] = slotOf[ov.label[j]] || 0;
  var o = {
    n: n, total: ov ? ov.n_total : 0, on: n > 0, x: ov ? ov.x : [], y: ov ? ov.y : [],
    /* outlines first, then the discs: dark-rimmed dots over the map */
    draw: function (plot, size, R, G, B) {
      if (!o.on) return;
      var is = Math.max(3, size + 1), os = is + 2, j;
      for (j = 0; j < n; j++) plot(ov.x[j], ov.y[j], os, 26, 26, 26, 0.9);
      for (j = 0; j < n; j++) {
        var s = slot[j];
        if (s === 0) plot(ov.x[j], ov.y[j], is, 140, 140, 140, 1);
        else plot(ov.x[j], ov.y[j], is, R[s], G[s], B[s], 1);
      }
    },
    /* the point nearest to data (x, y) within rad data units, or -1 */
    nearest: function (x, y, rad) {
      if (!o.on) return -1;
      var best = -1, bd = rad * rad;
      for (var j = 0; j < n; j++) {
        var dx = ov.x[j] - x, dy = ov.y[j] - y, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = j; }
      }
      return best;
    },
    /* the tooltip of point j: head and text */
    tip: function (j) {
      var l = ov.label[j], s = slot[j];
      return { head: 'inferred: ' + ov.id[j],
               text: 'label ' + l + (s ? ' (' + (clusters[s - 1].name || 'cluster ' + l) + ')' : l < 0 ? ' (far or noise)' : ' (not a cluster of this map)') +
                     ', distance ' + (ov.distance[j] === null ? '?' : ov.distance[j]) };
    },
    /* shows the switch row when there are points; changed() after a switch */
    row: function ($, changed) {
      if (!n) return;
      $('tc-ov-row').hidden = false;
      $('tc-ov-n').textContent = n === ov.n_total ? String(n) : n + ' of ' + ov.n_total + ', a sample';
      $('tc-overlay').addEventListener('change', function () { o.on = this.checked; changed(); });
    }
  };
  return o;
}

/* ---- the tooltip next to the pointer (client cx, cy), kept in the window */
function tcPlaceTip(tip, cx, cy) {
  tip.style.display = 'block';
  var w = tip.offsetWidth, h = tip.offsetHeight, left = cx + 14, top = cy + 14;
  if (left + w > window.innerWidth) left = Math.max(0, cx - w - 14);
  if (top + h > window.innerHeight) top = Math.max(0, window.innerHeight - h - 4);
  tip.style.left = left + 'px'; tip.style.top = top + 'px';
}
/* ==== end of map_shared.js */
