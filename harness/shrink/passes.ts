import { DRAW_DEFAULT, type Decision } from '../sched/replay.js';
import type { DecisionInfo } from '../sched/recording.js';
import { NO_LABEL, type Runner } from './runner.js';

/**
 * Edits of the current run in the spirit of delta debugging (Zeller and Hildebrandt, TSE 2002).
 * Each returns whether it made progress; each stops when the budget runs out. Candidates are
 * replayed leniently: where an edited list no longer applies, the default takes over.
 */

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
  let any = false;
  for (let size = r.cur.list.length >> 1; size >= 1; size >>= 1) {
    let i = 0;
    while (i < r.cur.list.length && !r.exhausted()) {
      const c = edit(r.cur.list, i, size);
      if (c !== null && (await r.attempt(c))) any = true;
      else i += size;
    }
  }
  return any;
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
export async function removePreemptions(r: Runner): Promise<boolean> {
  let any = false;
  for (let i = 0; i < r.cur.log.length && !r.exhausted(); i++) {
    const d = r.cur.log[i]!;
    if (!d.preemption || d.current === null) continue;
    const l = r.cur.list.slice();
    l[i] = d.current;
    if (await r.attempt(l)) any = true;
  }
  return any;
}

/**
 * A preemption goes together with the steps it caused: everything from the switch until the
 * preempted task runs again, or else just the other task's stretch. Removing the switch alone
 * shifts those steps to where they no longer fit.
 */
export async function removeCaused(r: Runner): Promise<boolean> {
  let any = false;
  for (let k = 0; k < r.cur.log.length && !r.exhausted(); k++) {
    const log = r.cur.log;
    const d = log[k]!;
    if (!d.preemption || d.current === null) continue;
    const back = nextStepWhere(log, k + 1, (v) => v === d.current);
    const stretch = nextStepWhere(log, k + 1, (v) => v !== d.value);
    const l = r.cur.list;
    if (await r.attempt([...l.slice(0, k), ...l.slice(back)])) any = true;
    else if (stretch !== back && (await r.attempt([...l.slice(0, k), ...l.slice(stretch)]))) any = true;
  }
  return any;
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
  for (let a = 0; a < at.length; a++) {
    for (let b = a + 1; b < at.length && !r.exhausted(); b++) {
      const l = r.cur.list.slice();
      l[at[a]!] = log[at[a]!]!.current!;
      l[at[b]!] = log[at[b]!]!.current!;
      if (await r.attempt(l)) return true;
    }
  }
  return false;
}

/** Fault draws say no: first all at once, then one by one. */
export async function faultsOff(r: Runner): Promise<boolean> {
  const on = (): number[] => r.cur.log.flatMap((d, i) => (d.stream === 'fault' && d.value !== DRAW_DEFAULT ? [i] : []));
  const all = on();
  if (all.length === 0) return false;
  const l = r.cur.list.slice();
  for (const i of all) l[i] = DRAW_DEFAULT;
  if (await r.attempt(l)) return true;
  let any = false;
  for (let k = 0; k < on().length && !r.exhausted(); ) {
    const c = r.cur.list.slice();
    c[on()[k]!] = DRAW_DEFAULT;
    if (await r.attempt(c)) any = true;
    else k++;
  }
  return any;
}

/**
 * Each step or choice in turn becomes each other option it had, once with the rest of the list
 * kept and once with the defaults after it: this moves a preemption to where fewer are needed,
 * which removing one alone cannot do. Costly, so only at a fixpoint of the cheap passes.
 */
export async function tryAlternatives(r: Runner): Promise<boolean> {
  const c = await r.curWithOptions();
  for (let i = 0; i < c.log.length && !r.exhausted(); i++) {
    const d = c.log[i]!;
    if (d.options === null || d.options.length < 2) continue;
    for (const alt of [...d.options].sort()) {
      if (alt === d.value) continue;
      const kept = c.list.slice();
      kept[i] = alt;
      if (await r.attempt(kept)) return true;
      if (await r.attempt([...c.list.slice(0, i), alt])) return true;
    }
  }
  return false;
}
