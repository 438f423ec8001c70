/**
 * Shrinks one failing run off the main thread, so the bench can bound it in time (terminate)
 * and memory (resourceLimits): a candidate of a network target can run far longer than the
 * failing run it came from. A thread target shrinks with a run limit (deterministic), a slow
 * (network) one with the shrinker's own wall-time budget, as `interleave shrink` does by
 * default, so the result is the shrinker's and not a cut-off stage.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { execute } from '../../harness/engine/execute.js';
import { resolveExplore, seedOptions } from '../../harness/campaign/resolve.js';
import type { StrategySpec } from '../../harness/strategies/index.js';
import type { Decision } from '../../harness/strategies/replay.js';
import { shrink, type ShrinkMetrics } from '../../harness/shrink/index.js';

export interface ShrinkJob {
  /** Bundled name or path: the worker loads the target itself. */
  ref: string;
  variant: string;
  seed: string;
  strategy: StrategySpec;
  kind: string;
  /** A limit on candidate runs, or the wall time the shrinker may take. */
  budget: { maxRuns: number } | { wallMs: number };
}

export interface ShrinkPost {
  before: ShrinkMetrics;
  after: ShrinkMetrics;
  runs: number;
  complete: boolean;
  /** Faults a network shrink kept, and whether each was checked essential. */
  essential: number | null;
  faultsMinimal: boolean;
}

async function main(job: ShrinkJob): Promise<void> {
  const r = await resolveExplore({ target: job.ref, variant: job.variant });
  const base = { target: r.target, variant: job.variant, seed: job.seed, strategy: job.strategy, options: seedOptions(r, job.variant, job.seed) };
  const decisions: Decision[] = (await execute(base)).decisions;
  const s = await shrink({ ...base, decisions, kind: job.kind, ...job.budget });
  const post: ShrinkPost = {
    before: s.before, after: s.after, runs: s.runs, complete: s.complete,
    essential: s.essentialFaults?.length ?? null, faultsMinimal: s.faultsMinimal,
  };
  parentPort!.postMessage(post);
}

if (parentPort !== null) await main(workerData as ShrinkJob);
