import { UsageError } from '../core/errors.js';
import type { Decision } from '../strategies/replay.js';
import { DEFAULT_OPTIONS } from '../engine/execute.js';

/**
 * The decision list as one short, copy-pasteable string (shuttle prints its schedules the same
 * way). Version 1:
 *
 *     v1:<label table>;<body>
 *
 * - label table: every distinct label once, in order of first use, each percent-encoded
 *   (encodeURIComponent: `→` and `:` become `%E2%86%92`, `%3A`; and `!'()*~` too, so no quote
 *   ever appears), joined by `,`;
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
  const labels = [...table.keys()].map(encodeLabel);
  return `${ENCODING_VERSION}:${labels.join(',')};${tokens.join('.')}`;
}

function encodeLabel(label: string): string {
  let out: string;
  try {
    out = encodeURIComponent(label);
  } catch {
    // A lone surrogate has no UTF-8 form: a target named a task or an object with a broken string.
    throw new UsageError(`decisions: label ${JSON.stringify(label)} is not well-formed Unicode (a lone surrogate), so it cannot be saved`);
  }
  return out.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
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

/**
 * Decisions a run may make per step of its `maxSteps` budget. Every step records one label; a
 * choice or a draw (sim.random, a fault's chance) records one more. The corpus's network runs
 * (raft, every fault on) make at most 1.35 per step and thread targets about 1, so 4 leaves room
 * for draw-heavy targets, while at the default budget (1,000,000 steps) the bound, 4,000,000
 * decisions at 8 bytes each, is 32 MB: half of the 64 MB one hostile input may cost.
 */
export const DECISIONS_PER_STEP = 4;
/**
 * A hard ceiling whatever the step budget: the most one string may ever expand to (about 400 MB),
 * so a file claiming a huge `maxSteps` still cannot ask for unbounded memory.
 */
export const MAX_DECISIONS = 50_000_000;

/** The most decisions a run under `maxSteps` can have made: what a decoder accepts for it. */
export function decisionLimit(maxSteps: number = DEFAULT_OPTIONS.maxSteps): number {
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) return DECISIONS_PER_STEP * DEFAULT_OPTIONS.maxSteps;
  return Math.min(MAX_DECISIONS, DECISIONS_PER_STEP * maxSteps);
}

/**
 * Inverse of encodeDecisions; throws UsageError naming the first thing wrong. At most
 * `maxDecisions` come back (default: the limit for the default --max-steps): the whole string is
 * counted before anything is allocated, so a 20-byte `v1:;x0*49999999` costs nothing.
 * `raise` is what the error tells the user to do about a longer one.
 */
export function decodeDecisions(text: string, maxDecisions: number = decisionLimit(), raise = 'raise --max-steps'): Decision[] {
  if (typeof text !== 'string') throw new UsageError('decisions: expected a string');
  const max = Number.isSafeInteger(maxDecisions) && maxDecisions >= 0 ? Math.min(maxDecisions, MAX_DECISIONS) : decisionLimit();
  const prefix = `${ENCODING_VERSION}:`;
  if (!text.startsWith(prefix)) {
    const v = /^(v[0-9]+):/.exec(text)?.[1];
    throw new UsageError(v ? `decisions: unsupported encoding ${v} (this version reads ${ENCODING_VERSION})` : `decisions: expected a string starting with '${prefix}'`);
  }
  const semi = text.indexOf(';', prefix.length);
  if (semi < 0) throw new UsageError(`decisions: missing ';' between the label table and the body`);
  const labels = decodeTable(text.slice(prefix.length, semi));
  const body = text.slice(semi + 1);
  if (body.length === 0) return [];
  // Pass 1: check every token and count what it expands to, before allocating any of it.
  const runs: { value: Decision; n: number }[] = [];
  let total = 0;
  for (const tok of body.split('.')) {
    const m = TOKEN.exec(tok);
    if (m === null) throw new UsageError(`decisions: bad token '${tok.slice(0, 24)}' at decision ${total}`);
    const value = m[2] !== undefined ? parseInt(m[2], 16) : labels[Number(m[1])];
    if (value === undefined) throw new UsageError(`decisions: label index ${m[1]!.slice(0, 24)} is past the table (${labels.length} labels)`);
    const n = m[3] === undefined ? 1 : Number(m[3]);
    if (m[3] !== undefined && n < 2) throw new UsageError(`decisions: repeat count must be at least 2 in '${tok}'`);
    // n may be past 2^53 (or Infinity) for a long digit string: the comparison still holds.
    if (!(n <= max - total)) throw new UsageError(`decisions: more than ${max} decisions (${DECISIONS_PER_STEP} per step of max-steps ${Math.ceil(max / DECISIONS_PER_STEP)}): ${raise}`);
    total += n;
    runs.push({ value, n });
  }
  // Pass 2: exactly `total` slots.
  const out: Decision[] = new Array<Decision>(total);
  let i = 0;
  for (const r of runs) for (let k = 0; k < r.n; k++) out[i++] = r.value;
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
