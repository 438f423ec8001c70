import type { RunResult } from '../engine/execute.js';
import type { DecisionInfo } from '../strategies/recording.js';

/** How big a failing run is, in the three ways a reader pays for: steps, preemptions, faults. */
export interface ShrinkMetrics {
  steps: number;
  /** Steps that switched away from a task that could have run on. */
  preemptions: number;
  /** Faults injected: entries in the fault log, the weather's line (a description, not a fault) left out. */
  faults: number;
  /** Length of the decision list (steps, choices and draws). */
  decisions: number;
  /** Decisions that differ from the lenient replay's default (the last tie-breaker). */
  deviations: number;
}

export function metricsOf(result: RunResult, log: readonly DecisionInfo[]): ShrinkMetrics {
  let preemptions = 0;
  let deviations = 0;
  for (const d of log) {
    if (d.preemption) preemptions++;
    if (d.deviation) deviations++;
  }
  let faults = 0;
  for (const f of result.faultLog) if (f.fault !== 'weather') faults++;
  return { steps: result.steps, preemptions, faults, decisions: result.decisions.length, deviations };
}

/**
 * A context switch costs a reader about as much as eight steps of straight-line code, an injected
 * fault ten. Measured on the bundled thread bugs: a strict preference for fewer preemptions keeps
 * runs of 58 steps where 26 would do (if-not-while), while a weight of 10 ties the 38-step,
 * one-preemption deadlock of signal-not-broadcast with a 48-step one that has none and keeps the
 * longer; 8 still prefers 2 preemptions over 5 for 5 more steps (wait-unlock-misuse).
 */
const PREEMPTION_COST_STEPS = 8;
const FAULT_COST_STEPS = 10;

export function cost(m: ShrinkMetrics): number {
  return m.steps + PREEMPTION_COST_STEPS * m.preemptions + FAULT_COST_STEPS * m.faults;
}

/**
 * The strict order candidates are judged by: cost, then preemptions, faults, steps, decisions
 * and deviations. Strictness makes shrinking terminate: every accepted candidate is smaller.
 */
export function smaller(a: ShrinkMetrics, b: ShrinkMetrics): boolean {
  const ca = cost(a);
  const cb = cost(b);
  if (ca !== cb) return ca < cb;
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  if (a.faults !== b.faults) return a.faults < b.faults;
  if (a.steps !== b.steps) return a.steps < b.steps;
  if (a.decisions !== b.decisions) return a.decisions < b.decisions;
  return a.deviations < b.deviations;
}
