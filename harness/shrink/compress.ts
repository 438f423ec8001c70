import type { RunOptions } from '../engine/options.js';
import type { Decision } from '../strategies/replay.js';
import type { RunSpec } from '../replay/run-decisions.js';
import type { KeyedRun } from '../replay/keyed.js';
import { TRIES_PER_SUBSET, sameViolation } from './faults.js';
import { keyedOf } from './jobs.js';
import type { Runner, Tagged } from './runner.js';
import type { Sought } from './sought.js';

/**
 * Time compression: the faults a bug needs, moved closer together. On Raft a leader is elected
 * in a few hundred ms and the cluster then idles at heartbeats until the seed's next fault,
 * perhaps a second later; every step of that wait is in the story. A cut takes a stretch of a
 * gap between two faults (or between the start and the first, or the last and the violation)
 * out of the keyed run: its steps and draws go, and everything after it is re-keyed as
 * happening that much earlier (a virtual time in a key, a nemesis tick's number, a message's
 * number on its link), so the later faults come sooner and each keeps its details. Accepted, as
 * a subset of faults is, when a try shows the same violation with no more faults, in fewer steps
 * (every try is cut off at the current length); then the gaps are measured and cut again.
 */

/** Cuts tried at most, failed and accepted together (each accepted one re-keys the run and the gaps are measured again). */
const MAX_CUTS = 48;
/** A gap shorter than this is left alone: a fault's own effects (a heal, a restart) live there. */
const MIN_GAP_MS = 200;

/** Where a cut goes and what it re-keys. */
interface Cut {
  from: number;
  to: number;
  /** Nemesis ticks removed (the cut is a whole number of ticks when the run has a nemesis). */
  ticks: number;
  /** Messages sent inside the cut, per link and kind (`n1→n2:append`), and syncs per node (`sync n2`). */
  sentInside: Map<string, number>;
  /** Per link and kind, how many messages were sent before the cut ends (and syncs per node). */
  sentBefore: Map<string, number>;
}

const TIME = /(^|\|)(\d+(?:\.\d+)?)(?=\|)/g;
/** A message (`n1→n2:append#3`) or a store sync (`sync n2#5`), numbered in time order. */
const NUMBERED = /([A-Za-z0-9_.-]+→[A-Za-z0-9_.-]+:[A-Za-z0-9_-]+|sync [A-Za-z0-9_.-]+)#(\d+)/g;
const TICK = /(nemesis(?::heal|:resume:[A-Za-z0-9_.-]+)?#)(\d+)/g;

/** The interval of the nemesis's ticks, read off the keys (`243|nemesis#3|…`), or null. */
function nemesisInterval(run: KeyedRun): number | null {
  for (const k of run.draws.keys()) {
    const m = /^(\d+(?:\.\d+)?)\|nemesis#(\d+)\|/.exec(k);
    if (m !== null && Number(m[2]) > 0) return Number(m[1]) / Number(m[2]);
  }
  return null;
}

function prefixOf(label: string): string {
  const i = label.lastIndexOf('#');
  return i < 0 ? label : label.slice(0, i);
}

function makeCut(run: KeyedRun, from: number, want: number, interval: number | null): Cut | null {
  // (A cut of whole ticks is k × interval, which divided back may fall a hair below k.)
  const ticks = interval === null ? 0 : Math.floor(want / interval + 1e-9);
  const len = interval === null ? want : ticks * interval;
  if (len <= 0) return null;
  const to = from + len;
  const sentInside = new Map<string, number>();
  const sentBefore = new Map<string, number>();
  for (const s of run.sends) {
    if (s.timeMs >= to) continue;
    const p = prefixOf(s.label);
    sentBefore.set(p, (sentBefore.get(p) ?? 0) + 1);
    if (s.timeMs >= from) sentInside.set(p, (sentInside.get(p) ?? 0) + 1);
  }
  return { from, to, ticks, sentInside, sentBefore };
}

/**
 * A key or label as the cut run would name it, or null when what it names happened inside the
 * cut. Times, tick numbers and message numbers past the cut move back; those before it stay.
 */
function rekey(s: string, c: Cut, interval: number | null): string | null {
  let inside = false;
  const len = c.to - c.from;
  let out = s.replace(TIME, (all, lead: string, t: string) => {
    const x = Number(t);
    if (x < c.from) return all;
    if (x < c.to) { inside = true; return all; }
    return `${lead}${String(Math.round((x - len) * 1000) / 1000)}`;
  });
  out = out.replace(NUMBERED, (all, prefix: string, n: string) => {
    const k = Number(n);
    const before = c.sentBefore.get(prefix) ?? 0;
    const cut = c.sentInside.get(prefix) ?? 0;
    if (k > before) return `${prefix}#${k - cut}`;
    if (k > before - cut) inside = true;
    return all;
  });
  if (interval !== null) {
    out = out.replace(TICK, (all, prefix: string, n: string) => {
      const k = Number(n);
      if (k * interval < c.from) return all;
      if (k * interval < c.to) { inside = true; return all; }
      return `${prefix}${k - c.ticks}`;
    });
  }
  return inside ? null : out;
}

/** The keyed run as it would read with the cut made. */
function cutRun(run: KeyedRun, c: Cut, interval: number | null): KeyedRun {
  const draws = new Map<string, number>();
  for (const [k, v] of run.draws) {
    const n = rekey(k, c, interval);
    if (n !== null) draws.set(n, v);
  }
  const steps: string[] = [];
  const stepTimes: number[] = [];
  for (let i = 0; i < run.steps.length; i++) {
    const t = run.stepTimes[i]!;
    if (t >= c.from && t < c.to) continue;
    // A step past the cut that names what happened inside it keeps its old name: it matches
    // nothing, and the keyed replay's lookahead skips it.
    const l = run.steps[i]!;
    steps.push(t >= c.to ? rekey(l, c, interval) ?? l : l);
    stepTimes.push(t >= c.to ? t - (c.to - c.from) : t);
  }
  const units = run.units.map((u) => ({ ...u, key: rekey(u.key, c, interval) ?? u.key, timeMs: u.timeMs >= c.to ? u.timeMs - (c.to - c.from) : u.timeMs }));
  return { ...run, draws, steps, stepTimes, units };
}

/** The decisions of a run with the faults closer together and the same violation, or null. */
export async function compressTime(r: Runner, spec: RunSpec, list: readonly Decision[], sought: Sought, actors: readonly string[]): Promise<Decision[] | null> {
  if (r.exhausted()) return null;
  const quiet = { ...spec, options: { ...spec.options, traceWindow: 0, traceAll: false } };
  let cur = await r.key(quiet.options, list);
  await r.charge(cur.result.steps);
  if (cur.result.network !== true || !sameViolation(cur.result.violations[0], sought, actors)) return null;
  const interval = nemesisInterval(cur);
  const seed = `${spec.target.name}/${spec.variant}/${spec.seed}/compress`;
  let improved = false;
  for (let n = 0; n < MAX_CUTS && !r.exhausted();) {
    let next: KeyedRun | null = null;
    const from = cur;
    const at = await r.sweep(cutJobs(from, n, interval, quiet.options, seed), (res) => {
      const run = keyedOf(res);
      if (!sameViolation(run.result.violations[0], sought, actors) || run.units.length > from.units.length) return false;
      next = run;
      return true;
    });
    if (at === null || next === null) break;
    cur = next;
    improved = true;
    n = at + 1;
  }
  return improved ? cur.result.decisions : null;
}

/** Where in a gap a cut sits, and how long it is as a fraction of the gap. */
interface Shape {
  at: 'middle' | 'late' | 'early';
  /** Rounded down to whole nemesis ticks (at least one) when the run has a nemesis. */
  length: number;
}

/**
 * The cuts tried in each gap, in order. The middle half first (the one cut a gap had before);
 * then cuts that leave one end of the gap alone: a cut over an election or a fault's aftermath
 * fails (the cluster at its end is not the cluster at its start), and where that happens in a
 * gap differs from run to run, so the quiet stretch is looked for near either end, long cuts
 * before short ones. Traced on `vote-not-persisted` seed 281: the middle half failed in every
 * gap, and late and early cuts took the run from 4,151 to 1,112 steps.
 */
const SHAPES: readonly Shape[] = [
  { at: 'middle', length: 1 / 2 },
  { at: 'late', length: 3 / 4 },
  { at: 'early', length: 3 / 4 },
  { at: 'late', length: 1 / 2 },
  { at: 'early', length: 1 / 2 },
  { at: 'late', length: 1 / 4 },
  { at: 'middle', length: 1 / 4 },
  { at: 'early', length: 1 / 4 },
];

/** Room a cut near one end of a gap leaves at that end, as a fraction of the gap. */
const END_ROOM = 1 / 8;

/** A stretch of virtual time a cut takes out: [from, to). */
export interface Span {
  from: number;
  to: number;
}

/**
 * The cuts to try on `run`, in order: shape by shape (SHAPES), and within a shape the widest
 * gap first (between the start and the first fault, two faults in a row, or the last fault and
 * the violation: the time a partition or an election timeout takes to bite can be cut too);
 * each distinct, and whole nemesis ticks long when `interval` (the nemesis's tick) is given.
 */
export function cutSpans(run: KeyedRun, interval: number | null): Span[] {
  const end = run.result.violations[0]?.timeMs;
  const times = [0, ...run.units.map((u) => u.timeMs), ...(end === undefined ? [] : [end])].sort((a, b) => a - b);
  const gaps: { from: number; gap: number }[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap >= MIN_GAP_MS) gaps.push({ from: times[i - 1]!, gap });
  }
  gaps.sort((a, b) => b.gap - a.gap || a.from - b.from);
  const spans: Span[] = [];
  const made = new Set<string>();
  for (const shape of SHAPES) {
    for (const g of gaps) {
      const c = shapedSpan(g, shape, interval);
      if (c === null || made.has(`${c.from}/${c.to}`)) continue;
      made.add(`${c.from}/${c.to}`);
      spans.push(c);
    }
  }
  return spans;
}

function shapedSpan(g: { from: number; gap: number }, shape: Shape, interval: number | null): Span | null {
  const room = g.gap * END_ROOM;
  let len = g.gap * shape.length;
  if (interval !== null) len = Math.max(1, Math.floor(len / interval)) * interval;
  if (len > g.gap - (shape.at === 'middle' ? 0 : room)) return null;
  const from = shape.at === 'middle' ? g.from + (g.gap - len) / 2
    : shape.at === 'early' ? g.from + room
    : g.from + g.gap - room - len;
  return { from, to: from + len };
}

/**
 * The tries of cut n, n+1, … from `cur` (cutSpans), each cut made as if every one before it had
 * failed, numbered on from `first` (the cuts already tried) and tagged so.
 */
function* cutJobs(cur: KeyedRun, first: number, interval: number | null, options: RunOptions, seed: string): Generator<Tagged<number>> {
  const capped = { ...options, maxSteps: Math.max(1, cur.result.steps - 1) };
  let n = first;
  for (const span of cutSpans(cur, interval)) {
    if (n >= MAX_CUTS) return;
    const c = makeCut(cur, span.from, span.to - span.from, interval);
    if (c === null) continue;
    const from = cutRun(cur, c, interval);
    for (let t = 0; t < TRIES_PER_SUBSET; t++) {
      yield { job: { type: 'keyed', from, removed: new Set(), attempt: t, seed: `${seed}/${n}`, rerollFromMs: null, options: capped }, tag: n };
    }
    n++;
  }
}
