/**
 * The page's script, inlined. Plain ES2017 with no dependency: it reads the views from the
 * page's JSON block and draws one as SVG; every redraw (seed, filter, zoom, expand) rebuilds
 * the SVG from that data, so the DOM never drifts from the JSON the tests compare it with.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var views = JSON.parse(document.getElementById('views').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var GUTTER = 150, COL = 120;
  var state = { view: 0, rowH: 16, hidden: {}, expanded: {}, filter: '', selected: null };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function ms(t) { return (Number.isInteger(t) ? t : Number(t.toFixed(3))) + 'ms'; }
  function cur() { return views[state.view]; }

  // Rows: one per kept line, plus one for each gap where earlier lines were left out.
  function layoutRows(v) {
    var rows = new Array(v.events.length), r = 0;
    for (var k = 0; k < v.events.length; k++) {
      if (k > 0 && v.events[k].i !== v.events[k - 1].i + 1) r++;
      rows[k] = r++;
    }
    v._rows = rows; v._nrows = r;
    v._byI = {};
    for (k = 0; k < v.events.length; k++) v._byI[v.events[k].i] = k;
  }
  // The row of a trace position that may not be kept: the nearest kept line at or before it.
  function rowAt(v, i) {
    if (i === null) return v._nrows;
    var lo = 0, hi = v.events.length - 1, best = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (v.events[mid].i <= i) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return v._rows[best];
  }
  // An expanded node shows one column per task name: a restarted node's n1/run#2 shares n1/run's,
  // a timer sits with its task, every delivery to the node lands in one n1/inbox column, and a
  // host node's timers and immediates (n1:setTimeout(40)#7@x.js:3) in one n1/timers column.
  function columnName(name) {
    var n = name.replace(/^(timer|timeout):/, '');
    var host = /^([^:\/→]+?)(#\d+)?:(setTimeout|setInterval|setImmediate)\b/.exec(n); // allowed: the page groups host timers by their label, calls no timer
    if (host) return host[1] + '/timers';
    var arrow = n.indexOf('→'), colon = n.indexOf(':', arrow + 1);
    if (arrow > 0 && colon > arrow) return n.slice(arrow + 1, colon) + '/inbox';
    return n.replace(/#\d+$/, '');
  }
  function colNameOf(v, t) {
    if (!v._col) v._col = v.tasks.map(columnName);
    return v._col[t];
  }
  function laneTasks(v) {
    if (v._laneTasks) return v._laneTasks;
    var lt = v.lanes.map(function () { return []; }), seen = {};
    v.events.forEach(function (e) {
      var c = colNameOf(v, e.task), key = e.lane + ':' + c;
      if (!seen[key]) { seen[key] = 1; lt[e.lane].push(c); }
    });
    return (v._laneTasks = lt);
  }
  function laneShown(v, li) {
    if (state.hidden[v.id + ':' + li]) return false;
    var f = state.filter.trim().toLowerCase();
    if (f === '') return true;
    return v.lanes[li].id.toLowerCase().indexOf(f) >= 0;
  }
  function columns(v) {
    var cols = [], lt = laneTasks(v);
    v.lanes.forEach(function (lane, li) {
      if (!laneShown(v, li)) return;
      if (lane.kind === 'node' && state.expanded[v.id + ':' + li]) {
        lt[li].forEach(function (c) { cols.push({ lane: li, task: c, label: c, sub: true }); });
      } else cols.push({ lane: li, task: '', label: lane.id, sub: false });
    });
    return cols;
  }
  function markClass(v, e) {
    if (e.fault) return 'fault';
    if (e.op === 'send') return 'send';
    if (e.op === 'fire' && v.tasks[e.task].indexOf('→') > 0) return 'fire';
    if (e.op === 'signalLeadership') return 'leader';
    if (e.op === 'woke' || e.op === 'signal' || e.op === 'broadcast' || e.op === 'reached' || e.op === 'publish') return 'wake';
    if (e.result === 'blocks') return 'block';
    return '';
  }
  // What each ringed step is, from the violation's details: a lost wakeup's stale read, the write
  // it missed, the signal and the sleep; the two leaders' signals; other kinds keep the ring and
  // their details on click.
  function notes(x) {
    var d, out = [];
    try { d = JSON.parse(x.details || '{}'); } catch (err) { d = {}; }
    if (d.signal && typeof d.signal.step === 'number') out.push([d.signal.step, (d.signal.task || '') + ' ' + (d.signal.op || 'signal') + ' that no sleeper heard']);
    if (d.staleRead && typeof d.staleRead.step === 'number') out.push([d.staleRead.step, 'stale read ' + d.staleRead.object + ' = ' + d.staleRead.value]);
    if (d.staleRead && typeof d.staleRead.writtenAtStep === 'number') out.push([d.staleRead.writtenAtStep, (d.signal && d.signal.task || '') + ' writes ' + d.staleRead.object + ' after the stale read']);
    if (typeof d.sleptAtStep === 'number') out.push([d.sleptAtStep, (d.waiter || '') + ' sleeps forever']);
    if (Array.isArray(d.steps)) d.steps.forEach(function (st, k) { out.push([st, (d.nodes && d.nodes[k] ? d.nodes[k] + ' ' : '') + 'signals leader' + (d.terms ? ' term ' + d.terms[k] : '')]); });
    if (typeof d.signalStep === 'number') out.push([d.signalStep, 'the leadership signal']);
    return out;
  }
  function termColor(term) { return 'hsl(' + ((term * 83) % 360) + ',70%,55%)'; }

  function render() {
    var v = cur();
    if (!v._rows) layoutRows(v);
    var cols = columns(v), H = state.rowH;
    var colIndex = {};
    cols.forEach(function (c, ci) { colIndex[c.lane + ':' + c.task] = ci; });
    var colOf = function (e) {
      var ci = colIndex[e.lane + ':' + colNameOf(v, e.task)];
      return ci === undefined ? colIndex[e.lane + ':'] : ci;
    };
    var cx = function (ci) { return GUTTER + ci * COL + COL / 2; };
    var cy = function (row) { return row * H + H / 2 + 4; };
    var span = function (lane) {
      var xs = [];
      cols.forEach(function (c, ci) { if (lane === -1 ? v.lanes[c.lane].kind === 'node' : c.lane === lane) xs.push(ci); });
      if (xs.length === 0) return null;
      return [GUTTER + xs[0] * COL + 3, GUTTER + (xs[xs.length - 1] + 1) * COL - 3];
    };
    var width = GUTTER + cols.length * COL + 20, height = (v._nrows + 1) * H + 10;
    // Message arrows are labelled at their middle (wakes and hand-offs stay unlabelled: their
    // ends say it); the label is part of the diagram, the tooltip and a click give the rest.
    var linkLabel = function (l, li, x1, y1, x2, y2) {
      if (l.kind === 'wake' || l.kind === 'publish' || l.kind === 'handoff') return;
      out.push('<text class="link-label ' + l.kind + '" data-link="' + li + '" x="' + ((x1 + x2) / 2 + 3) + '" y="' + ((y1 + y2) / 2 - 2) + '">' + esc(arrowText(l)) + '</text>');
    };
    var hl = {};
    v.violations.forEach(function (x) { x.steps.forEach(function (s) { hl[s] = 1; }); });
    var out = [];
    out.push('<svg xmlns="http://www.w3.org/2000/svg" id="diagram" width="' + width + '" height="' + height + '">');
    out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>');
    v.bands.forEach(function (b, bi) {
      var sp = span(b.lane); if (!sp) return;
      var y0 = rowAt(v, b.from) * H + 4, y1 = (rowAt(v, b.to) + 1) * H + 4;
      out.push('<rect class="band ' + b.kind + '" data-band="' + bi + '" x="' + sp[0] + '" y="' + y0 + '" width="' + (sp[1] - sp[0]) + '" height="' + Math.max(2, y1 - y0) + '"><title>' + esc(b.label) + '</title></rect>');
    });
    v.leadership.forEach(function (l) {
      var sp = span(l.lane); if (!sp) return;
      var y0 = rowAt(v, l.from) * H + 4, y1 = (rowAt(v, l.to) + (l.to === null ? 0 : 1)) * H + 4;
      out.push('<rect class="leadership" data-lane="' + esc(v.lanes[l.lane].id) + '" data-term="' + l.term + '" x="' + sp[0] + '" y="' + y0 + '" width="' + (sp[1] - sp[0]) + '" height="' + Math.max(2, y1 - y0) + '" fill="' + termColor(l.term) + '"><title>' + esc(v.lanes[l.lane].id + ' leader of term ' + l.term) + '</title></rect>');
      out.push('<text x="' + (sp[0] + 2) + '" y="' + (y0 + 10) + '" style="fill:#7a5a00">term ' + l.term + '</text>');
    });
    cols.forEach(function (c, ci) { out.push('<line class="lane-line" x1="' + cx(ci) + '" x2="' + cx(ci) + '" y1="0" y2="' + height + '"/>'); });
    for (var k = 1; k < v.events.length; k++) {
      if (v._rows[k] !== v._rows[k - 1] + 1) {
        var gy = cy(v._rows[k] - 1);
        out.push('<line class="gap" x1="0" x2="' + width + '" y1="' + gy + '" y2="' + gy + '"/><text x="4" y="' + (gy - 2) + '">' + (v.events[k].i - v.events[k - 1].i - 1) + ' lines left out</text>');
      }
    }
    var onRow = {};
    v.violations.forEach(function (x, xi) {
      var row = null;
      v.events.forEach(function (e, k2) { if (e.step <= x.step) row = v._rows[k2]; });
      if (row === null) return;
      var y = cy(row), nth = onRow[row] || 0;
      onRow[row] = nth + 1;
      out.push('<line class="violation-line" x1="' + GUTTER + '" x2="' + width + '" y1="' + y + '" y2="' + y + '"/>');
      // Violations found at one step (a deadlock's several waits) sit side by side, the first rightmost.
      out.push('<circle ' + (xi === 0 ? 'id="violation-marker" ' : '') + 'class="violation" data-violation="' + xi + '" data-step="' + x.step + '" cx="' + (GUTTER - 10 - 14 * nth) + '" cy="' + y + '" r="6"><title>' + esc(x.kind + ' at step ' + x.step) + '</title></circle>');
    });
    v.links.forEach(function (l, li) {
      var a = v._byI[l.from]; if (a === undefined) return;
      var ea = v.events[a], ca = colOf(ea); if (ca === undefined) return;
      var x1 = cx(ca), y1 = cy(v._rows[a]), x2, y2;
      if (l.to === null) {
        // Dropped or lost: a short stroke ending in ×. Still in flight at the end: an open
        // arrow running down to the end of the run, ending in ○.
        var flying = l.kind === 'in-flight';
        x2 = x1 + COL * 0.35; y2 = flying ? height - 8 : y1 + H * 1.5;
        out.push('<line class="link ' + l.kind + '" data-link="' + li + '" data-kind="' + l.kind + '" data-from="' + l.from + '" data-to="" x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"><title>' + esc(linkName(l) + ': ' + (l.why || l.kind)) + '</title></line>');
        out.push('<text class="link-end ' + l.kind + '" data-link="' + li + '" x="' + (x2 - 3) + '" y="' + (y2 + 4) + '">' + (flying ? '○' : '×') + '</text>');
        linkLabel(l, li, x1, y1, x2, Math.min(y2, y1 + H * 1.5));
        return;
      }
      var b = v._byI[l.to]; if (b === undefined) return;
      var cb = colOf(v.events[b]); if (cb === undefined) return;
      x2 = cx(cb); y2 = cy(v._rows[b]);
      if (x1 === x2 && y1 === y2) return;
      out.push('<line class="link ' + l.kind + '" data-link="' + li + '" data-kind="' + l.kind + '" data-from="' + l.from + '" data-to="' + l.to + '" x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '" marker-end="url(#arrow)"><title>' + esc(linkName(l)) + '</title></line>');
      linkLabel(l, li, x1, y1, x2, y2);
    });
    // Each mark names its operation beside it, while rows are tall enough to read.
    var markText = function (e) {
      var s = e.op === 'fire' ? (v.tasks[e.task].indexOf('→') > 0 ? 'deliver' : 'fire') : e.op + (e.obj ? ' ' + e.obj : '');
      return s.length > 22 ? s.slice(0, 21) + '…' : s;
    };
    var lastLabel = -1e9;
    v.events.forEach(function (e, k3) {
      var ci = colOf(e), y = cy(v._rows[k3]);
      if (y - lastLabel >= 12 && (k3 === 0 || e.step !== v.events[k3 - 1].step)) {
        out.push('<text x="4" y="' + (y + 3) + '">' + e.step + '  ' + ms(e.timeMs) + '</text>');
        lastLabel = y;
      }
      if (ci === undefined) return;
      var cls = 'mark ' + markClass(v, e) + (hl[e.step] ? ' hl' : '') + (state.selected === e.i ? ' selected' : '');
      out.push('<circle class="' + cls + '" data-i="' + e.i + '" data-step="' + e.step + '" cx="' + cx(ci) + '" cy="' + y + '" r="' + (e.fault || e.op === 'signalLeadership' ? 5 : 3.5) + '"/>');
      if (H >= 12) out.push('<text class="mark-label" data-i="' + e.i + '" x="' + (cx(ci) + 6) + '" y="' + (y + 3) + '">' + esc(markText(e)) + '</text>');
    });
    v.violations.forEach(function (x) {
      notes(x).forEach(function (n) {
        var k4 = -1;
        v.events.forEach(function (e, k5) { if (e.step === n[0] && colOf(e) !== undefined) k4 = k5; });
        if (k4 < 0) return;
        out.push('<text class="note" data-note-step="' + n[0] + '" x="' + (cx(colOf(v.events[k4])) + 9) + '" y="' + (cy(v._rows[k4]) + 3) + '">' + esc(n[1]) + '</text>');
      });
    });
    out.push('</svg>');
    $('chart').innerHTML = out.join('');
    var actors = {};
    v.violations.forEach(function (x) { x.actors.forEach(function (a) { actors[a] = 1; }); });
    var heads = ['<div class="gutter">step  time</div>'];
    cols.forEach(function (c) {
      var lane = v.lanes[c.lane];
      var btn = lane.kind === 'node' && !c.sub ? '<button data-expand="' + c.lane + '" title="show its tasks">+</button>' : '';
      if (c.sub && laneTasks(v)[c.lane][0] === c.task) btn = '<button data-expand="' + c.lane + '" title="one lane for the node">−</button>';
      heads.push('<div class="lane-head' + (c.sub ? ' sub' : '') + (actors[c.label] ? ' actor' : '') + '" data-lane="' + esc(lane.id) + '" data-col="' + (c.sub ? esc(c.label) : esc(lane.id)) + '" title="' + esc(c.label) + '">' + esc(c.label) + btn + '</div>');
    });
    $('heads').innerHTML = heads.join('');
    $('heads').style.top = $('top').offsetHeight + 'px';
    $('details').style.top = ($('top').offsetHeight + 30) + 'px';
  }

  function laneList() {
    var v = cur();
    $('lanes').innerHTML = v.lanes.map(function (l, li) {
      return '<label><input type="checkbox" data-lane-toggle="' + li + '"' + (state.hidden[v.id + ':' + li] ? '' : ' checked') + '> ' + esc(l.id) + '</label>';
    }).join('');
  }

  function header() {
    var v = cur();
    $('title').textContent = v.title + (v.label ? ' (' + v.label + ')' : '');
    var parts = [['target', v.target], ['variant', v.variant], ['seed', v.seed], ['strategy', v.strategy], ['end', v.end + ' after ' + v.steps + ' steps, ' + ms(v.timeMs) + ' virtual'], ['decision hash', v.decisionHash]];
    if (v.workload) parts.push(['workload', v.workload]);
    $('meta').innerHTML = parts.map(function (p) { return '<span><b>' + esc(p[0]) + ':</b> <span data-meta="' + esc(p[0]) + '">' + esc(p[1]) + '</span></span>'; }).join('');
    $('weather').textContent = v.weather || 'none (fixed)';
    $('replay').textContent = v.replayCommand;
    $('violations').innerHTML = v.violations.map(function (x) { return '<div class="violation-text"><b>' + esc(x.kind) + '</b> at step ' + x.step + ' (' + ms(x.timeMs) + '): ' + esc(x.message) + '</div>'; }).join('') || '<div>no violation</div>';
    var kept = v.events.length;
    $('window').textContent = kept === v.totalEvents
      ? 'all ' + v.totalEvents + ' timeline lines'
      : kept + ' of ' + v.totalEvents + ' timeline lines: the last ' + (v.totalEvents - v.tailFrom) + ' in full, and from before them the faults, leadership signals, starts and the steps the violation names (the replay command with --trace prints them all)';
  }

  // A message arrow's name: its label and, when it carries one, its payload's short form.
  function linkName(l) { return l.payload ? l.label + ' ' + l.payload : l.label; }
  // What an arrow says on the diagram: a message's type and number (its ends are the lanes) and
  // its payload, elided to fit; a duplicate says so.
  function arrowText(l) {
    var colon = l.label.indexOf(':'), name = colon >= 0 && l.label.indexOf('→') >= 0 ? l.label.slice(colon + 1) : l.label;
    var s = name + (l.payload ? ' ' + l.payload : '');
    return s.length > 40 ? s.slice(0, 39) + '…' : s;
  }
  function showDetails(html) { $('details').innerHTML = html; }
  function row(k, val) { return '<tr><td>' + esc(k) + '</td><td data-field="' + esc(k) + '">' + esc(val) + '</td></tr>'; }
  function eventDetails(i) {
    var v = cur(), k = v._byI[i]; if (k === undefined) return;
    var e = v.events[k];
    state.selected = i;
    var h = '<h3>step ' + e.step + '</h3><table>' + row('step', e.step) + row('time', ms(e.timeMs)) + row('task', v.tasks[e.task]) + row('lane', v.lanes[e.lane].id) +
      row('operation', e.op) + row('object', e.obj) + (e.note ? row('payload', e.note) : '') + row('value', e.result) + (e.fault ? row('fault', e.fault) : '') + '</table>';
    var rel = v.links.filter(function (l) { return l.from === i || l.to === i; });
    if (rel.length) {
      h += '<h4>links</h4><ul>' + rel.map(function (l) {
        var other = l.from === i ? l.to : l.from, ok = other === null ? undefined : v._byI[other];
        var where = other === null ? 'never delivered: ' + (l.why || 'lost') : ok === undefined ? 'at a line left out' : (l.from === i ? 'to' : 'from') + ' step ' + v.events[ok].step + ' (' + v.tasks[v.events[ok].task] + ')';
        return '<li>' + esc(l.kind + ' ' + linkName(l) + ': ' + where) + '</li>';
      }).join('') + '</ul>';
    }
    showDetails(h);
    document.querySelectorAll('.mark.selected').forEach(function (n) { n.classList.remove('selected'); });
    var m = document.querySelector('.mark[data-i="' + i + '"]'); if (m) m.classList.add('selected');
  }
  function violationDetails(xi) {
    var v = cur(), x = v.violations[xi];
    showDetails('<h3 class="violation-text">' + esc(x.kind) + '</h3><table>' + row('step', x.step) + row('time', ms(x.timeMs)) + row('actors', x.actors.join(', ')) +
      row('steps', x.steps.join(', ')) + '</table><p>' + esc(x.message) + '</p>' + (x.details ? '<pre>' + esc(x.details) + '</pre>' : '') +
      '<p>replay:</p><code class="replay" data-field="replay">' + esc(v.replayCommand) + '</code>');
  }
  function jump() {
    var m = $('violation-marker'); if (!m) return;
    var top = m.getBoundingClientRect().top + window.scrollY - $('top').offsetHeight - 120;
    window.scrollTo(0, Math.max(0, top));
    violationDetails(0);
  }
  function selectView(n) {
    state.view = n; state.selected = null;
    $('seed').value = String(n);
    header(); laneList(); render();
    showDetails('<p>Click a mark for its details, or the red dot for the violation.</p>');
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    if (t.matches('.mark')) { eventDetails(Number(t.getAttribute('data-i'))); return; }
    if (t.matches('.violation')) { violationDetails(Number(t.getAttribute('data-violation'))); return; }
    var ex = t.closest('[data-expand]');
    if (ex) { var key = cur().id + ':' + ex.getAttribute('data-expand'); state.expanded[key] = !state.expanded[key]; render(); return; }
  });
  document.addEventListener('change', function (ev) {
    var t = ev.target;
    if (t instanceof HTMLInputElement && t.hasAttribute('data-lane-toggle')) {
      state.hidden[cur().id + ':' + t.getAttribute('data-lane-toggle')] = !t.checked; render();
    }
  });
  $('seed').addEventListener('change', function () { selectView(Number($('seed').value)); location.hash = cur().id; });
  $('filter').addEventListener('input', function () { state.filter = $('filter').value; render(); });
  $('jump').addEventListener('click', jump);
  $('zoom-in').addEventListener('click', function () { state.rowH = Math.min(64, state.rowH * 1.5); render(); });
  $('zoom-out').addEventListener('click', function () { state.rowH = Math.max(2, state.rowH / 1.5); render(); });
  $('copy').addEventListener('click', function () {
    var text = cur().replayCommand;
    var sel = function () { var r = document.createRange(); r.selectNodeContents($('replay')); var s = getSelection(); s.removeAllRanges(); s.addRange(r); };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { $('copy').textContent = 'copied'; }, sel); else sel();
  });

  $('seed').innerHTML = views.map(function (v, n) {
    var kinds = v.violations.map(function (x) { return x.kind; }).join(', ') || 'pass';
    return '<option value="' + n + '">' + esc(v.variant + ' seed ' + v.seed + ': ' + kinds + (v.label ? ' (' + v.label + ')' : '')) + '</option>';
  }).join('');
  var want = decodeURIComponent(location.hash.slice(1)), start = 0;
  views.forEach(function (v, n) { if (v.id === want) start = n; });
  selectView(start);
  window.__interleaveReadyMs = performance.now(); // allowed: the browser page's own time to interactive, measured for the report test, never read by a run
  document.body.setAttribute('data-ready', '1');
})();
`;
