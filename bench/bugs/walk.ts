import { performance } from 'node:perf_hooks';
import type { Target } from '../../harness/core/api.js';
import { execute, type RunResult } from '../../harness/engine/execute.js';
import type { RunOptions } from '../../harness/engine/options.js';
import type { StrategySpec } from '../../harness/strategies/index.js';
import type { Walks } from './stats.js';

/** One buggy variant as the bench runs it: the options are what `interleave run` would use. */
export interface Case {
  /** How to load it again (a worker does): bundled name or path. */
  ref: string;
  target: Target;
  group: string;
  variant: string;
  /** The violation kind the target's `expect` names for this variant. */
  kind: string;
  options: RunOptions;
  /** The options one seed runs with (its drawn weather applied), as `interleave run` gives it. */
  seedOptions: (seed: string) => RunOptions;
}

export interface Plan {
  bases: number;
  cap: number;
  /** A cell stops after this long; a base seed it interrupts is dropped (see `WalkResult.basesRun`). */
  budgetMs: number;
  /** Mean wall time of one run, measured warm (sizes the plan and the shrink budget). */
  msPerRun: number;
}

export type Found = Pick<RunResult, 'seed' | 'violations'>;

export interface WalkResult extends Walks {
  /** The first failing run from each base seed that found the bug, in base order (its seed and violations only: Raft runs are big). */
  firstFailures: Found[];
  /** Base seeds actually walked (fewer than planned when the time budget ran out). */
  basesRun: number;
  runs: number;
  ms: number;
}

/** `${base}:${i}`: independent string seeds per base seed, as `interleave run --seed` takes them. */
export function walkSeed(base: number, i: number): string {
  return `${base}:${i}`;
}

/**
 * Runs seeds base:0, base:1, … until the first run whose first violation is the expected kind.
 * Null when the deadline passed first: an unfinished base would only bias the counts low.
 */
async function walkOne(c: Case, strategy: StrategySpec, base: number, cap: number, deadline: number): Promise<{ count: number; runs: number; hit: RunResult | null } | null> {
  for (let i = 0; i < cap; i++) {
    if (performance.now() > deadline) return null;
    const seed = walkSeed(base, i);
    const r = await execute({ target: c.target, variant: c.variant, seed, strategy, options: c.seedOptions(seed) });
    if (r.violations[0]?.kind === c.kind) return { count: i + 1, runs: i + 1, hit: r };
  }
  return { count: cap + 1, runs: cap, hit: null };
}

/** Seeds-to-failure from base seeds 0 … plan.bases − 1, within the cell's time budget. */
export async function walkBases(c: Case, strategy: StrategySpec, plan: Plan): Promise<WalkResult> {
  const t0 = performance.now();
  const out: WalkResult = { counts: [], cap: plan.cap, firstFailures: [], basesRun: 0, runs: 0, ms: 0 };
  for (let b = 0; b < plan.bases; b++) {
    // The first base always finishes, so every cell has a figure however slow the target.
    const w = await walkOne(c, strategy, b, plan.cap, b === 0 ? Infinity : t0 + plan.budgetMs);
    if (w === null) break;
    out.counts.push(w.count);
    out.runs += w.runs;
    if (w.hit !== null) out.firstFailures.push({ seed: w.hit.seed, violations: w.hit.violations });
    out.basesRun++;
  }
  out.ms = performance.now() - t0;
  return out;
}

/**
 * Mean wall time of one warm run of this case over a few random seeds: two warm-up runs first
 * (a cold run costs several times a warm one), then up to `samples` runs or `maxMs`.
 */
export async function msPerRun(c: Case, samples = 8, maxMs = 500): Promise<number> {
  const one = (i: number) => execute({ target: c.target, variant: c.variant, seed: `probe:${i}`, strategy: { name: 'random' }, options: c.seedOptions(`probe:${i}`) });
  await one(0);
  await one(1);
  const t0 = performance.now();
  let n = 0;
  while (n < samples && (n === 0 || performance.now() - t0 < maxMs)) await one(2 + n++);
  return (performance.now() - t0) / n;
}
