import type { ReplayedRun } from '../schedule/run.js';

/** How big a failing run is, in the three ways a reader pays for: steps, preemptions, faults. */
export interface ShrinkMetrics {
  steps: number;
  /** Steps that switched away from a task that could have run on. */
  preemptions: number;
  /** Faults injected (entries in the fault log). */
  faults: number;
  /** Length of the decision list (steps, choices and draws). */
  decisions: number;
}

export function metricsOf(run: ReplayedRun): ShrinkMetrics {
  let preemptions = 0;
  for (const d of run.log) if (d.preemption) preemptions++;
  return {
    steps: run.result.steps,
    preemptions,
    faults: run.result.faultLog.length,
    decisions: run.result.decisions.length,
  };
}

/**
 * A switch of context (or an injected fault) costs a reader about as much as ten steps of
 * straight-line code: a 28-step run with 2 preemptions reads more easily than a 107-step run
 * with 1, and a strict preference for fewer preemptions would pick the latter.
 */
const SWITCH_COST_STEPS = 10;

export function cost(m: ShrinkMetrics): number {
  return m.steps + SWITCH_COST_STEPS * (m.preemptions + m.faults);
}

/**
 * The strict order candidates are judged by: cost, then preemptions, faults, steps and
 * decisions. Strictness makes shrinking terminate: every accepted candidate is smaller.
 */
export function smaller(a: ShrinkMetrics, b: ShrinkMetrics): boolean {
  const ca = cost(a);
  const cb = cost(b);
  if (ca !== cb) return ca < cb;
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  if (a.faults !== b.faults) return a.faults < b.faults;
  if (a.steps !== b.steps) return a.steps < b.steps;
  return a.decisions < b.decisions;
}
