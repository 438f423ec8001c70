import { UsageError } from '../sched/index.js';
import type { Decision } from '../sched/replay.js';

/**
 * The decision list as one short, copy-pasteable string (shuttle prints its schedules the same
 * way). Version 1:
 *
 *     v1:<label table>;<body>
 *
 * - label table: every distinct label once, in order of first use, each percent-encoded
 *   (encodeURIComponent: `→` and `:` become `%E2%86%92`, `%3A`), joined by `,`;
 * - body: tokens joined by `.`; `<i>` is the label at table index i (decimal), `x<hex>` a 32-bit
 *   draw in lowercase hex; either may end in `*<n>` (n ≥ 2, decimal) for n repeats in a row.
 *
 * `v1:producer,consumer;0*3.1.x0.1.xffffffff*2` is producer ×3, consumer, draw 0, consumer, two
 * draws of 0xffffffff. The string has no spaces or quotes, so it survives shells and chat.
 */
export const ENCODING_VERSION = 'v1';

export function encodeDecisions(decisions: readonly Decision[]): string {
  const table = new Map<string, number>();
  const tokens: string[] = [];
  let i = 0;
  while (i < decisions.length) {
    const d = decisions[i]!;
    let run = 1;
    while (i + run < decisions.length && decisions[i + run] === d) run++;
    tokens.push(tokenFor(d, table) + (run > 1 ? `*${run}` : ''));
    i += run;
  }
  const labels = [...table.keys()].map((l) => encodeURIComponent(l));
  return `${ENCODING_VERSION}:${labels.join(',')};${tokens.join('.')}`;
}

function tokenFor(d: Decision, table: Map<string, number>): string {
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`a draw must be a 32-bit unsigned integer, got ${d}`);
    return `x${d.toString(16)}`;
  }
  let idx = table.get(d);
  if (idx === undefined) {
    idx = table.size;
    table.set(d, idx);
  }
  return String(idx);
}

const TOKEN = /^(?:(0|[1-9][0-9]*)|x([0-9a-f]{1,8}))(?:\*([1-9][0-9]*))?$/;
/** A bound on what one string may expand to, so a corrupt count cannot exhaust memory. */
const MAX_DECISIONS = 50_000_000;

/** Inverse of encodeDecisions; throws UsageError naming the first thing wrong. */
export function decodeDecisions(text: string): Decision[] {
  if (typeof text !== 'string') throw new UsageError('decisions: expected a string');
  const prefix = `${ENCODING_VERSION}:`;
  if (!text.startsWith(prefix)) {
    const v = /^(v[0-9]+):/.exec(text)?.[1];
    throw new UsageError(v ? `decisions: unsupported encoding ${v} (this version reads ${ENCODING_VERSION})` : `decisions: expected a string starting with '${prefix}'`);
  }
  const semi = text.indexOf(';', prefix.length);
  if (semi < 0) throw new UsageError(`decisions: missing ';' between the label table and the body`);
  const labels = decodeTable(text.slice(prefix.length, semi));
  const body = text.slice(semi + 1);
  const out: Decision[] = [];
  if (body.length === 0) return out;
  for (const tok of body.split('.')) {
    const m = TOKEN.exec(tok);
    if (m === null) throw new UsageError(`decisions: bad token '${tok.slice(0, 24)}' at decision ${out.length}`);
    const value = m[2] !== undefined ? parseInt(m[2], 16) : labels[Number(m[1])];
    if (value === undefined) throw new UsageError(`decisions: label index ${m[1]} is past the table (${labels.length} labels)`);
    const n = m[3] === undefined ? 1 : Number(m[3]);
    if (m[3] !== undefined && n < 2) throw new UsageError(`decisions: repeat count must be at least 2 in '${tok}'`);
    if (out.length + n > MAX_DECISIONS) throw new UsageError(`decisions: more than ${MAX_DECISIONS} decisions`);
    for (let k = 0; k < n; k++) out.push(value);
  }
  return out;
}

function decodeTable(text: string): string[] {
  if (text.length === 0) return [];
  return text.split(',').map((raw, i) => {
    let label: string;
    try {
      label = decodeURIComponent(raw);
    } catch {
      throw new UsageError(`decisions: label ${i} ('${raw.slice(0, 24)}') is not valid percent-encoding`);
    }
    if (label.length === 0) throw new UsageError(`decisions: label ${i} is empty`);
    return label;
  });
}
