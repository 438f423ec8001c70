import { performance } from 'node:perf_hooks';
import type { RunResult } from '../../harness/core/execute.js';
import type { StrategySpec } from '../../harness/sched/index.js';
import { shrink, type ShrinkMetrics } from '../../harness/shrink/index.js';
import type { Case } from './walk.js';

export interface ShrinkRow {
  seed: string;
  before: ShrinkMetrics;
  after: ShrinkMetrics;
  runs: number;
  complete: boolean;
  ms: number;
}

/** The shrinker's own default limit on candidate runs, as `interleave shrink` uses it. */
export const SHRINK_MAX_RUNS = 10_000;

/** Shrinks each failing run (as found by `strategy`) and reports the sizes before and after. */
export async function shrinkFailures(c: Case, strategy: StrategySpec, failures: readonly RunResult[], maxRuns: number): Promise<ShrinkRow[]> {
  const rows: ShrinkRow[] = [];
  for (const f of failures) {
    const t0 = performance.now();
    const s = await shrink({
      target: c.target, variant: c.variant, seed: f.seed, strategy, options: c.options,
      decisions: f.decisions, kind: c.kind, maxRuns,
    });
    rows.push({ seed: f.seed, before: s.before, after: s.after, runs: s.runs, complete: s.complete, ms: performance.now() - t0 });
  }
  return rows;
}

/** after/before for steps, with 0 steps before counted as no change. */
export function stepRatio(r: ShrinkRow): number {
  return r.before.steps === 0 ? 1 : r.after.steps / r.before.steps;
}
