import type { Violation } from '../core/violation.js';
import type { Decision } from '../strategies/replay.js';
import type { RunSpec } from '../replay/run-decisions.js';
import type { FaultUnit, KeyedRun } from '../replay/keyed.js';
import { keyedOf } from './jobs.js';
import type { Runner, Tagged } from './runner.js';
import { shows, type Sought } from './sought.js';

/**
 * How many times the original's steps a candidate with fewer faults may take: a lost message
 * that is delivered again costs steps, but a run ten times longer is no shorter story.
 */
export const FAULT_PHASE_STEPS = 2;

/**
 * Delta debugging over a network run's faults as units (DEMi, Scott et al., NSDI 2016): each
 * crash, partition, pause, drop, delay… is kept or removed whole, the rest stay at their
 * original virtual times (keyed-replay.ts), and a subset of faults counts as reproducing when
 * any of a few schedules close to the original shows the same violation.
 */

/**
 * Schedules tried per subset of faults: the original's own where it still applies, then seeded
 * variations. One try alone rejects most subsets on the Raft variants, where removing a fault
 * moves a timer past a delivery; DEMi bounds its internal schedules per subset the same way.
 */
export const TRIES_PER_SUBSET = 4;

/** A fault the violation needs: removing it alone (under every try) loses the violation. */
export interface EssentialFault {
  fault: string;
  detail: string;
  timeMs: number;
}

export interface FaultPhase {
  /** The decisions of the run with the fewest faults that still fails (they replay strictly). */
  list: Decision[];
  /** Its faults, in order. */
  units: FaultUnit[];
  /** Faults before the phase. */
  before: number;
  /** The faults of the run the phase started from, in order. */
  start: FaultUnit[];
  /** Every single remaining fault was tried away, under every try, and the violation was lost. */
  minimal: boolean;
  /**
   * One of the remaining faults can go, but the run without it is not smaller in the shrinker's
   * order (a longer way to the violation), so the shrunk run keeps it.
   */
  removable?: boolean;
  /** The actors every candidate's violation had to name. */
  actors: readonly string[];
}

interface Search {
  r: Runner;
  spec: RunSpec;
  sought: Sought;
  actors: readonly string[];
  /** The longest a candidate may run. */
  cap: number;
  seed: string;
}

/** The failure sought, and the same actors where both runs name them. */
export function sameViolation(v: Violation | undefined, sought: Sought, actors: readonly string[]): boolean {
  if (v === undefined || !shows(v, sought)) return false;
  if (actors.length === 0 || v.actors.length === 0) return true;
  const a = [...actors].sort();
  const b = [...v.actors].sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Keys the run of `list` and, for a network run, removes faults by ddmin until it is 1-minimal
 * or the budget runs out. Null for a run with no network (threads keep the decision-list passes).
 */
export async function minimizeFaults(
  r: Runner, spec: RunSpec, list: readonly Decision[], sought: Sought,
  /** The original violation's actors; by default those of the run of `list`. */
  named?: readonly string[],
  /** An earlier phase: only single faults are tried away now, and none when the faults are its
   * faults and it found them 1-minimal. */
  previous?: FaultPhase,
): Promise<FaultPhase | null> {
  const first = await r.key(spec.options, list);
  if (first.result.network !== true) return null;
  await r.charge(first.result.steps);
  const actors = named ?? first.result.violations[0]?.actors ?? [];
  const from = previous === undefined ? 'start' : 'singletons';
  if (previous?.minimal === true && sameFaults(previous.units, first.units)) {
    return { list: first.result.decisions, units: first.units, before: first.units.length, start: first.units, minimal: true, actors };
  }
  const s: Search = { r, spec: { ...spec, options: { ...spec.options, traceWindow: 0, traceAll: false } }, sought, actors, cap: FAULT_PHASE_STEPS * r.before.steps, seed: `${spec.target.name}/${spec.variant}/${spec.seed}` };
  const before = first.units.length;
  let cur = first;
  if (cur.units.length > 0 && from === 'start') {
    const none = await firstKept(s, cur, [[]]);
    if (none !== null) cur = none.run;
    else cur = await dropKinds(s, cur);
  }
  let n = from === 'start' ? 2 : Math.max(2, cur.units.length);
  let minimal = false;
  while (!r.exhausted()) {
    const units = cur.units;
    if (units.length === 0) { minimal = true; break; }
    if (units.length === 1) {
      const none = await firstKept(s, cur, [[]]);
      if (none !== null) { cur = none.run; continue; }
      minimal = !r.exhausted();
      break;
    }
    n = Math.min(n, units.length);
    const chunks = split(units, n);
    // Complements only: keeping one chunk alone (ddmin's other test) almost never reproduces a
    // Raft bug, which needs faults from several chunks, and at 4 tries a subset it doubled the
    // cost of every level.
    const next = await firstKept(s, cur, chunks.map((c) => units.filter((u) => !c.includes(u))));
    if (next !== null) {
      cur = next.run;
      n = Math.max(n - 1, 2);
    } else if (r.exhausted()) {
      break;
    } else if (n >= units.length) {
      minimal = true;
      break;
    } else {
      n = Math.min(units.length, 2 * n);
    }
  }
  return { list: cur.result.decisions, units: cur.units, before, start: first.units, minimal, actors };
}

/**
 * Each kind of fault away at once, the most numerous first: a Raft run under heavy weather has
 * dozens of duplicates or reorders its bug needs none of, which ddmin's contiguous chunks (every
 * chunk mixes kinds) remove only piecemeal. A few candidates, and often most of the faults.
 */
async function dropKinds(s: Search, cur: KeyedRun): Promise<KeyedRun> {
  const count = new Map<string, number>();
  for (const u of cur.units) count.set(u.fault, (count.get(u.fault) ?? 0) + 1);
  const kinds = [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || (a < b ? -1 : 1));
  if (kinds.length < 2) return cur;
  for (let from = 0; from < kinds.length;) {
    const next = await firstKept(s, cur, kinds.slice(from).map((k) => cur.units.filter((u) => u.fault !== k)));
    if (next === null) break;
    cur = next.run;
    from += next.index + 1;
  }
  return cur;
}

/**
 * The first of `subsets` (each a list of `cur`'s faults to keep) under which some try shows the
 * same violation with fewer faults: its run and index. Tries go in order, TRIES_PER_SUBSET per
 * subset, and stop at the first that fails the same way.
 */
async function firstKept(s: Search, cur: KeyedRun, subsets: readonly (readonly FaultUnit[])[]): Promise<{ run: KeyedRun; index: number } | null> {
  let run: KeyedRun | null = null;
  const index = await s.r.sweep(subsetJobs(s, cur, subsets), (res) => {
    const k = keyedOf(res);
    if (!sameViolation(k.result.violations[0], s.sought, s.actors) || k.units.length >= cur.units.length) return false;
    run = k;
    return true;
  });
  return index === null || run === null ? null : { run, index };
}

function* subsetJobs(s: Search, cur: KeyedRun, subsets: readonly (readonly FaultUnit[])[]): Generator<Tagged<number>> {
  const options = { ...s.spec.options, maxSteps: Math.max(1, Math.min(s.spec.options.maxSteps, s.cap)) };
  for (let i = 0; i < subsets.length; i++) {
    const stay = new Set(subsets[i]!.map((u) => u.key));
    const removed = new Set(cur.units.filter((u) => !stay.has(u.key)).map((u) => u.key));
    for (let t = 0; t < TRIES_PER_SUBSET; t++) yield { job: { type: 'keyed', from: cur, removed, attempt: t, seed: s.seed, rerollFromMs: null, options }, tag: i };
  }
}

function sameFaults(a: readonly FaultUnit[], b: readonly FaultUnit[]): boolean {
  return a.length === b.length && a.every((u, i) => u.fault === b[i]!.fault && u.detail === b[i]!.detail && u.timeMs === b[i]!.timeMs);
}

/** `xs` in n contiguous chunks as even as they go. */
function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * xs.length) / n);
    const b = Math.floor(((i + 1) * xs.length) / n);
    if (b > a) out.push(xs.slice(a, b));
  }
  return out;
}

/** `crash at 412ms: n2 crashed (incarnation 1, 0 unsynced writes)`: one line of the story. */
export function describeFault(f: EssentialFault): string {
  return `${f.fault} at ${Math.round(f.timeMs)}ms: ${f.detail}`;
}

export function essentialOf(units: readonly FaultUnit[]): EssentialFault[] {
  return units.map((u) => ({ fault: u.fault, detail: u.detail, timeMs: u.timeMs }));
}
