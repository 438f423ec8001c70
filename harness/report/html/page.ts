import { CLIENT_JS } from './client.js';
import type { ViewData } from './data.js';
import { PAGE_CSS } from './style.js';

/** JSON inside a <script> block: no `</script>` or `<!--` can end it early. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * One self-contained page: the views as JSON, the stylesheet and the script inline, and a
 * Content-Security-Policy that forbids every fetch, so a page that tried one would fail loudly in
 * the browser test rather than quietly depend on the network.
 */
export function renderPage(views: readonly ViewData[], title: string): string {
  if (views.length === 0) throw new Error('renderPage needs at least one view');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'none'; connect-src 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header id="top">
  <div class="row"><h1 id="title"></h1>
    <label>failure <select id="seed"></select></label>
    <button id="jump">jump to violation</button>
    <button id="zoom-out" title="zoom out the time axis">−</button><button id="zoom-in" title="zoom in the time axis">+</button>
    <label>lanes <input id="filter" type="search" placeholder="filter lanes" size="12"></label>
  </div>
  <div class="row meta" id="meta"></div>
  <div class="row"><b>weather:</b> <span id="weather"></span></div>
  <div class="row"><b>replay:</b> <code id="replay"></code><button id="copy">copy</button></div>
  <div id="violations"></div>
  <div class="row"><span id="lanes"></span></div>
  <div class="row legend"><span><i style="background:#1c64b8"></i>send</span><span><i style="background:#2b8a3e"></i>delivery</span><span><i style="background:#d9480f"></i>fault, dropped or lost message (×)</span><span>○ still in flight at the end</span><span>- - duplicate copy</span><span><i style="background:#e0a100"></i>leadership signal; shaded: leader of a term</span><span><i style="background:#7048e8"></i>signal / broadcast → woken</span><span><i style="border:1px solid #8a96a3"></i>blocks</span><span><i style="background:#a4161a"></i>violation; ringed: its steps</span><span id="window"></span></div>
</header>
<div id="heads"></div>
<div id="main"><div id="chart"></div><aside id="details"></aside></div>
<script type="application/json" id="views">${scriptJson(views)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
