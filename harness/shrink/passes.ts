import { DRAW_DEFAULT, type Decision } from '../strategies/replay.js';
import type { DecisionInfo } from '../strategies/recording.js';
import { isEnvironmentDraw } from '../core/entropy.js';
import { NO_LABEL, type Runner } from './runner.js';

/**
 * Edits of the current run in the spirit of delta debugging (Zeller and Hildebrandt, TSE 2002).
 * Each returns whether it made progress; each stops when the budget runs out. Candidates are
 * replayed leniently: where an edited list no longer applies, the default takes over.
 */

/**
 * Tries `edits(at)` in order until one is accepted, then the edits again from `next(its tag)`
 * against the new current run, until none is: how a pass walks the run while it shrinks.
 * Whether any was accepted.
 */
export async function acceptEach<T>(r: Runner, at: T, edits: (at: T) => Iterable<{ list: readonly Decision[]; tag: T }>, next: (tag: T) => T, each?: (tag: T) => void): Promise<boolean> {
  let any = false;
  for (let hit = await r.firstAccepted(edits(at), each); hit !== null; hit = await r.firstAccepted(edits(next(hit)), each)) any = true;
  return any;
}

/** Shortest prefix that still fails, by bisection (the defaults finish the run). */
export async function truncate(r: Runner): Promise<boolean> {
  let lo = 0;
  let hi = r.cur.list.length;
  let any = false;
  while (lo < hi && !r.exhausted()) {
    const mid = (lo + hi) >> 1;
    if (await r.attempt(r.cur.list.slice(0, mid))) {
      any = true;
      hi = Math.min(mid, r.cur.list.length);
    } else {
      lo = mid + 1;
    }
  }
  return any;
}

/**
 * Applies `edit` to aligned chunks of halves, quarters, … single decisions. With `drop` the
 * chunk goes; otherwise its decisions become the default (normalization).
 */
async function chunks(r: Runner, edit: (l: Decision[], i: number, size: number) => Decision[] | null): Promise<boolean> {
  // After a chunk goes, the next try is at the same place in the new list.
  return acceptEach(r, { size: r.cur.list.length >> 1, i: 0 }, (at) => chunkEdits(r, edit, at), (hit) => hit);
}

function* chunkEdits(r: Runner, edit: (l: Decision[], i: number, size: number) => Decision[] | null, at: { size: number; i: number }): Generator<{ list: Decision[]; tag: { size: number; i: number } }> {
  for (let size = at.size; size >= 1; size >>= 1) {
    for (let i = size === at.size ? at.i : 0; i < r.cur.list.length; i += size) {
      const c = edit(r.cur.list, i, size);
      if (c !== null) yield { list: c, tag: { size, i } };
    }
  }
}

export function dropChunks(r: Runner): Promise<boolean> {
  return chunks(r, (l, i, size) => [...l.slice(0, i), ...l.slice(i + size)]);
}

/**
 * Chunks of decisions become the default (run the current task on, no fault), which the strict
 * order accepts even at equal size (fewer deviations): later passes then find more to drop.
 */
export function normalize(r: Runner): Promise<boolean> {
  return chunks(r, (l, i, size) => {
    const log = r.cur.log;
    let changed = false;
    const c = l.slice();
    for (let k = i; k < Math.min(i + size, c.length); k++) {
      if (!log[k]?.deviation) continue;
      c[k] = log[k]!.kind === 'draw' ? DRAW_DEFAULT : NO_LABEL;
      changed = true;
    }
    return changed ? c : null;
  });
}

function preemptionsOf(log: readonly DecisionInfo[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < log.length; i++) if (log[i]!.preemption && log[i]!.current !== null) at.push(i);
  return at;
}

/** A step that switched away from a runnable task becomes "run that task on". */
export function removePreemptions(r: Runner): Promise<boolean> {
  return acceptEach(r, 0, (from) => preemptionsAway(r, from), (hit) => hit + 1);
}

function* preemptionsAway(r: Runner, from: number): Generator<{ list: Decision[]; tag: number }> {
  for (let i = from; i < r.cur.log.length; i++) {
    const d = r.cur.log[i]!;
    if (!d.preemption || d.current === null) continue;
    const l = r.cur.list.slice();
    l[i] = d.current;
    yield { list: l, tag: i };
  }
}

/**
 * A preemption goes together with the steps it caused: everything from the switch until the
 * preempted task runs again, or else just the other task's stretch. Removing the switch alone
 * shifts those steps to where they no longer fit.
 */
export function removeCaused(r: Runner): Promise<boolean> {
  return acceptEach(r, 0, (from) => causedAway(r, from), (hit) => hit + 1);
}

function* causedAway(r: Runner, from: number): Generator<{ list: Decision[]; tag: number }> {
  for (let k = from; k < r.cur.log.length; k++) {
    const log = r.cur.log;
    const d = log[k]!;
    if (!d.preemption || d.current === null) continue;
    const back = nextStepWhere(log, k + 1, (v) => v === d.current);
    const stretch = nextStepWhere(log, k + 1, (v) => v !== d.value);
    const l = r.cur.list;
    yield { list: [...l.slice(0, k), ...l.slice(back)], tag: k };
    if (stretch !== back) yield { list: [...l.slice(0, k), ...l.slice(stretch)], tag: k };
  }
}

function nextStepWhere(log: readonly DecisionInfo[], from: number, p: (v: string) => boolean): number {
  for (let i = from; i < log.length; i++) {
    const d = log[i]!;
    if (d.kind === 'step' && p(d.value as string)) return i;
  }
  return log.length;
}

/**
 * Two preemptions at once: switching away and switching back often only work as a pair, so
 * neither can go alone. Quadratic in the preemptions left, which are few by now.
 */
export async function removePreemptionPairs(r: Runner): Promise<boolean> {
  const log = r.cur.log;
  const at = preemptionsOf(log);
  function* pairs(): Generator<{ list: Decision[]; tag: true }> {
    for (let a = 0; a < at.length; a++) {
      for (let b = a + 1; b < at.length; b++) {
        const l = r.cur.list.slice();
        l[at[a]!] = log[at[a]!]!.current!;
        l[at[b]!] = log[at[b]!]!.current!;
        yield { list: l, tag: true };
      }
    }
  }
  return (await r.firstAccepted(pairs())) !== null;
}

/** Fault draws say no: first all at once, then one by one. */
export async function faultsOff(r: Runner): Promise<boolean> {
  const on = (): number[] => r.cur.log.flatMap((d, i) => (isEnvironmentDraw(d.stream) && d.value !== DRAW_DEFAULT ? [i] : []));
  const all = on();
  if (all.length === 0) return false;
  const l = r.cur.list.slice();
  for (const i of all) l[i] = DRAW_DEFAULT;
  if (await r.attempt(l)) return true;
  // After a draw says no, the next try is the draw now at the same place in the list.
  return acceptEach(r, 0, (from) => oneOff(r, on, from), (hit) => hit);
}

function* oneOff(r: Runner, on: () => number[], from: number): Generator<{ list: Decision[]; tag: number }> {
  const at = on();
  for (let k = from; k < at.length; k++) {
    const c = r.cur.list.slice();
    c[at[k]!] = DRAW_DEFAULT;
    yield { list: c, tag: k };
  }
}

/**
 * Each step or choice in turn becomes each other option it had, once with the rest of the list
 * kept and once with the defaults after it: this moves a preemption to where fewer are needed,
 * which removing one alone cannot do. Costly, so only at a fixpoint of the cheap passes.
 */
export async function tryAlternatives(r: Runner): Promise<boolean> {
  const c = await r.curWithOptions();
  function* alternatives(): Generator<{ list: Decision[]; tag: true }> {
    for (let i = 0; i < c.log.length; i++) {
      const d = c.log[i]!;
      if (d.options === null || d.options.length < 2) continue;
      for (const alt of [...d.options].sort()) {
        if (alt === d.value) continue;
        const kept = c.list.slice();
        kept[i] = alt;
        yield { list: kept, tag: true };
        yield { list: [...c.list.slice(0, i), alt], tag: true };
      }
    }
  }
  return (await r.firstAccepted(alternatives())) !== null;
}
