import type { RunOptions } from '../engine/options.js';
import type { Decision } from '../sched/replay.js';
import type { RunSpec } from '../schedule/run.js';
import type { KeyedRun } from './keyed-replay.js';
import { TRIES_PER_SUBSET, sameViolation } from './faults.js';
import { keyedOf } from './jobs.js';
import type { Runner, Tagged } from './runner.js';

/**
 * Time compression: the faults a bug needs, moved closer together. On Raft a leader is elected
 * in a few hundred ms and the cluster then idles at heartbeats until the seed's next fault,
 * perhaps a second later; every step of that wait is in the story. A cut takes the middle half
 * of a gap between two faults (or between the start and the first) out of the keyed run: its
 * steps and draws go, and everything after it is re-keyed as happening that much earlier (a
 * virtual time in a key, a nemesis tick's number, a message's number on its link), so the later
 * faults come sooner and each keeps its details. Accepted, as a subset of faults is, when a try
 * shows the same violation with no more faults, in fewer steps (every try is cut off at the
 * current length); then the gaps are measured and halved again.
 */

/** Cuts tried at most (each accepted one re-keys the run and the gaps are measured again). */
const MAX_CUTS = 12;
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
  const ticks = interval === null ? 0 : Math.floor(want / interval);
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
export async function compressTime(r: Runner, spec: RunSpec, list: readonly Decision[], kind: string, actors: readonly string[]): Promise<Decision[] | null> {
  if (r.exhausted()) return null;
  const quiet = { ...spec, options: { ...spec.options, traceWindow: 0, traceAll: false } };
  let cur = await r.key(quiet.options, list);
  await r.charge(cur.result.steps);
  if (cur.result.network !== true || !sameViolation(cur.result.violations[0], kind, actors)) return null;
  const interval = nemesisInterval(cur);
  const seed = `${spec.target.name}/${spec.variant}/${spec.seed}/compress`;
  let improved = false;
  for (let n = 0; n < MAX_CUTS && !r.exhausted();) {
    let next: KeyedRun | null = null;
    const from = cur;
    const at = await r.sweep(cutJobs(from, n, interval, quiet.options, seed), (res) => {
      const run = keyedOf(res);
      if (!sameViolation(run.result.violations[0], kind, actors) || run.units.length > from.units.length) return false;
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

/**
 * The tries of cut n, n+1, … from `cur`, each cut made as if every one before it had failed:
 * the widest gap first (between the start and the first fault, or two faults in a row), a gap
 * whose cut failed left alone until a cut succeeds. Tagged with the cut's number.
 */
function* cutJobs(cur: KeyedRun, first: number, interval: number | null, options: RunOptions, seed: string): Generator<Tagged<number>> {
  const failed = new Set<string>();
  const capped = { ...options, maxSteps: Math.max(1, cur.result.steps - 1) };
  for (let n = first; n < MAX_CUTS; n++) {
    const times = [0, ...cur.units.map((u) => u.timeMs)].sort((a, b) => a - b);
    let best: { from: number; gap: number } | null = null;
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap >= MIN_GAP_MS && !failed.has(`${times[i - 1]}`) && (best === null || gap > best.gap)) best = { from: times[i - 1]!, gap };
    }
    if (best === null) return;
    failed.add(`${best.from}`);
    const c = makeCut(cur, best.from + best.gap / 4, best.gap / 2, interval);
    if (c === null) continue;
    const from = cutRun(cur, c, interval);
    for (let t = 0; t < TRIES_PER_SUBSET; t++) {
      yield { job: { type: 'keyed', from, removed: new Set(), attempt: t, seed: `${seed}/${n}`, rerollFromMs: null, options: capped }, tag: n };
    }
  }
}
