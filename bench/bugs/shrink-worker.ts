/**
 * Shrinks one failing run off the main thread, so the bench can bound it in time (terminate)
 * and memory (resourceLimits): shrink() itself takes only a candidate-run limit, and a
 * candidate of a network target can run far longer than the failing run it came from.
 *
 * It shrinks in stages, each starting from the previous one's result, of `firstStage`, twice
 * that, … candidates up to `stageRuns` (one stage when `firstStage` is the whole limit), and posts every stage's figures: when the parent stops it, the
 * last post stands (so a slow target shows some progress rather than none).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { execute } from '../../harness/engine/execute.js';
import { resolveExplore, seedOptions } from '../../harness/explore/explore.js';
import type { StrategySpec } from '../../harness/sched/index.js';
import type { Decision } from '../../harness/sched/replay.js';
import { shrink, type ShrinkMetrics } from '../../harness/shrink/index.js';

export interface ShrinkJob {
  /** Bundled name or path: the worker loads the target itself. */
  ref: string;
  variant: string;
  seed: string;
  strategy: StrategySpec;
  kind: string;
  maxRuns: number;
  /** First stage's candidate limit; later stages double it up to `stageRuns`. */
  firstStage: number;
  stageRuns: number;
}

export interface ShrinkPost {
  before: ShrinkMetrics;
  after: ShrinkMetrics;
  runs: number;
  complete: boolean;
}

async function main(job: ShrinkJob): Promise<void> {
  const r = await resolveExplore({ target: job.ref, variant: job.variant });
  const base = { target: r.target, variant: job.variant, seed: job.seed, strategy: job.strategy, options: seedOptions(r, job.variant, job.seed) };
  let decisions: Decision[] = (await execute(base)).decisions;
  let before: ShrinkMetrics | null = null;
  let runs = 0;
  for (let size = job.firstStage; ; size = Math.min(2 * size, job.stageRuns)) {
    const stage = Math.min(size, job.maxRuns - runs);
    const s = await shrink({ ...base, decisions, kind: job.kind, maxRuns: stage });
    before ??= s.before;
    runs += s.runs;
    decisions = s.decisions;
    const done = s.complete || runs >= job.maxRuns;
    const post: ShrinkPost = { before, after: s.after, runs, complete: s.complete };
    parentPort!.postMessage(post);
    if (done) return;
  }
}

if (parentPort !== null) await main(workerData as ShrinkJob);
