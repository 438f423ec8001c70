import { describeOperation } from './checker.js';
import type { CheckResult, Model, Operation } from './types.js';

/** Operations drawn at most: a bigger history would make a page no reader scrolls. */
const MAX_DRAWN = 3000;
const ROW_PX = 26;
const STEP_PX = 18;
const LEFT_PX = 90;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The history as Porcupine draws it: a row per client, a bar per operation from its call to its
 * return (in event order; an operation of unknown outcome trails off to the right), numbered in
 * the order of the longest linearization found, with the window that cannot be ordered in red.
 * When the model partitions and one partition failed, only that partition is drawn.
 */
export function historyPicture(model: Model<never>, ops: readonly Operation[], result: CheckResult, title: string): string {
  const v = result.verdict === 'not-linearizable' ? result.violation : null;
  const inPart = (op: Operation): boolean => v?.partition === undefined || (model.partition?.(op.input) ?? '') === v.partition;
  const shown = ops.filter(inPart).slice(0, MAX_DRAWN);
  const order = new Map((v?.prefix ?? []).map((id, i) => [id, i + 1]));
  const window = new Set((v?.window ?? []).map((w) => w.id));
  const clients = [...new Set(shown.map((o) => String(o.process)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const positions = [...new Set(shown.flatMap((o) => [o.call, ...(Number.isFinite(o.ret) ? [o.ret] : [])]))].sort((a, b) => a - b);
  const x = new Map(positions.map((p, i) => [p, LEFT_PX + i * STEP_PX]));
  const end = LEFT_PX + positions.length * STEP_PX + 40;
  const bars = shown.map((o) => {
    const row = clients.indexOf(String(o.process));
    const x0 = x.get(o.call)!;
    const x1 = Number.isFinite(o.ret) ? x.get(o.ret)! + STEP_PX / 2 : end;
    const cls = window.has(o.id) ? 'win' : order.has(o.id) ? 'lin' : 'rest';
    const n = order.get(o.id);
    const text = `${n !== undefined ? `${n}. ` : ''}${describeOperation(model, o.input, o.output)}`;
    const when = o.callTime !== undefined ? ` @${o.callTime}${o.retTime !== undefined ? `..${o.retTime}` : '..?'} ms` : '';
    return `<g class="${cls}${Number.isFinite(o.ret) ? '' : ' open'}"><title>${esc(`${String(o.process)}: ${text}${when}${o.line !== undefined ? ` (line ${o.line})` : ''}`)}</title>`
      + `<rect x="${x0}" y="${row * ROW_PX + 4}" width="${Math.max(6, x1 - x0)}" height="${ROW_PX - 8}" rx="3"/>`
      + `<text x="${x0 + 3}" y="${row * ROW_PX + ROW_PX / 2 + 4}">${esc(text)}</text></g>`;
  });
  const labels = clients.map((c, i) => `<text class="client" x="4" y="${i * ROW_PX + ROW_PX / 2 + 4}">${esc(c)}</text>`);
  const height = clients.length * ROW_PX + 8;
  const verdict = v === null
    ? esc(result.verdict === 'linearizable' ? 'linearizable' : `unknown: ${result.verdict === 'unknown' ? result.reason : ''}`)
    : esc(`not linearizable${v.partition !== undefined ? ` (key ${JSON.stringify(v.partition)})` : ''}: after ${v.prefix.length} operations (numbered) in state ${v.stateBefore}, no order of the operations in red is legal`);
  const cut = ops.filter(inPart).length > MAX_DRAWN ? `<p>The first ${MAX_DRAWN} operations are drawn.</p>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:13px system-ui,sans-serif;margin:16px}svg{display:block}text{font:11px ui-monospace,monospace;pointer-events:none}
.client{font-weight:bold}.lin rect{fill:#cfe8cf;stroke:#4a8a4a}.win rect{fill:#f6c4c4;stroke:#b00}.rest rect{fill:#e6e6e6;stroke:#999}
.open rect{stroke-dasharray:4 3}g:hover rect{stroke-width:2}
</style></head><body><h1>${esc(title)}</h1><p><b>${verdict}</b></p>${cut}
<p>${esc(model.name)} model; a row per client, a bar per operation from its call to its return in event order; a dashed bar never returned (its outcome is unknown). Hover a bar for its times.</p>
<div style="overflow-x:auto"><svg width="${end + 200}" height="${height}">${labels.join('')}${bars.join('')}</svg></div></body></html>
`;
}
