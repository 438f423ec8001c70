import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ShrinkMetrics } from '../../harness/shrink/index.js';
import type { ShrinkJob, ShrinkPost } from './shrink-worker.js';

export interface ShrinkRow {
  seed: string;
  before: ShrinkMetrics | null;
  after: ShrinkMetrics | null;
  runs: number;
  /** Reached a fixpoint. */
  complete: boolean;
  /** Faults a network shrink kept as units (null for a thread target), and whether each was checked essential. */
  essential: number | null;
  faultsMinimal: boolean;
  /** Why it stopped short: the time limit, or the worker's error (e.g. out of memory). */
  stopped: string | null;
  ms: number;
}

/** The shrinker's own default limit on candidate runs, as `interleave shrink` uses it. */
export const SHRINK_MAX_RUNS = 10_000;
/** Worker heap limit: a runaway shrink fails alone instead of taking the bench down. */
const WORKER_HEAP_MB = 2_048;

/** One shrink in a worker; resolves with its last posted stage when it ends, fails or times out. */
function runJob(job: ShrinkJob, timeoutMs: number): Promise<ShrinkRow> {
  const t0 = performance.now();
  const w = new Worker(new URL('./shrink-worker.js', import.meta.url), {
    workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  let last: ShrinkPost | null = null;
  let stopped: string | null = null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stopped = `time limit ${(timeoutMs / 1000).toFixed(0)} s`;
      void w.terminate();
    }, timeoutMs);
    w.on('message', (p: ShrinkPost) => (last = p));
    w.on('error', (e: Error) => (stopped ??= (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory' : e.message));
    w.on('exit', () => {
      clearTimeout(timer);
      const l = last as ShrinkPost | null;
      resolve({
        seed: job.seed, before: l?.before ?? null, after: l?.after ?? null, runs: l?.runs ?? 0,
        complete: l?.complete ?? false, essential: l?.essential ?? null, faultsMinimal: l?.faultsMinimal ?? false,
        stopped, ms: performance.now() - t0,
      });
    });
  });
}

/** Runs the jobs `parallel` at a time; rows come back in job order. */
export async function shrinkAll(jobs: readonly { job: ShrinkJob; timeoutMs: number }[], parallel: number): Promise<ShrinkRow[]> {
  const rows: ShrinkRow[] = new Array<ShrinkRow>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      rows[i] = await runJob(jobs[i]!.job, jobs[i]!.timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  return rows;
}

/** after/before for steps; a shrink with no result counts as no change. */
export function stepRatio(r: ShrinkRow): number {
  return r.before === null || r.after === null || r.before.steps === 0 ? 1 : r.after.steps / r.before.steps;
}
