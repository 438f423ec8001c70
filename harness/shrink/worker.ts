/**
 * A shrink worker thread (pool.ts): loads the target once, then runs candidate jobs one at a
 * time, in the order they arrive, each exactly as the main thread would run it (jobs.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { StrategySpec } from '../strategies/index.js';
import { ITEM, shareProgress } from '../core/progress.js';
import { loadTarget } from '../target/load.js';
import { catchRejections } from '../workers/boundary.js';
import { cloneSafe } from '../workers/clone.js';
import type { KeyedFrom } from '../replay/keyed.js';
import { resultShows, runJob, slimResult, type Job, type JobBase, type JobResult } from './jobs.js';
import type { Sought } from './sought.js';

export interface ShrinkWorkerSetup {
  /** Marks workerData as ours, so importing this module anywhere else does nothing. */
  interleaveShrinkWorker: true;
  /** A bundled name or a path: Target objects hold functions and cannot cross threads. */
  targetRef: string;
  variant: string;
  seed: string;
  strategy: StrategySpec;
  /** The progress cell the pool's watchdog reads (harness/core/progress.ts). */
  progress: SharedArrayBuffer;
}

/**
 * A job on the wire: a keyed job names the run it replays by id, and carries it only when this
 * worker does not hold it yet (a fault phase sends one run to many candidates).
 */
export type WireJob = Exclude<Job, { type: 'keyed' }> | (Omit<Extract<Job, { type: 'keyed' }>, 'from'> & { fromId: number; from?: KeyedFrom });

/** `sought`: a result whose first violation is not this failure comes back slim (jobs.ts slimResult). */
export type ToShrinkWorker = { type: 'job'; id: number; job: WireJob; sought?: Sought };
export type FromShrinkWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: JobResult }
  | { type: 'error'; message: string };

function serve(port: MessagePort, setup: ShrinkWorkerSetup): void {
  const cell = new Int32Array(setup.progress);
  shareProgress(cell);
  // A candidate's stray rejection must not end the thread: the run's outcome is what counts.
  catchRejections();
  let base: JobBase | null = null;
  let held: { id: number; from: KeyedFrom } | null = null;
  const queue: ToShrinkWorker[] = [];
  let draining = false;
  const post = (m: FromShrinkWorker): void => port.postMessage(m);
  const drain = async (): Promise<void> => {
    if (draining || base === null) return;
    draining = true;
    try {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        cell[ITEM] = m.id;
        const full = await runJob(base, unwire(m.job));
        cell[ITEM] = -1;
        const result = m.sought !== undefined && !resultShows(full, m.sought) ? slimResult(full) : full;
        if (result.type === 'keyed') cloneSafe(result.run.result);
        post({ type: 'done', id: m.id, result });
      }
    } catch (e) {
      post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    draining = false;
  };
  const unwire = (w: WireJob): Job => {
    if (w.type !== 'keyed') return w;
    const { fromId, from, ...rest } = w;
    if (from !== undefined) held = { id: fromId, from };
    if (held === null || held.id !== fromId) throw new Error(`shrink worker: job names run ${fromId}, which it does not hold`);
    return { ...rest, from: held.from };
  };
  port.on('message', (m: ToShrinkWorker) => {
    queue.push(m);
    void drain();
  });
  loadTarget(setup.targetRef).then(
    (t) => {
      base = { target: t.target, variant: setup.variant, seed: setup.seed, strategy: setup.strategy };
      post({ type: 'ready' });
      void drain();
    },
    (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
}

const data = workerData as Partial<ShrinkWorkerSetup> | null;
if (parentPort !== null && data !== null && typeof data === 'object' && data.interleaveShrinkWorker === true) {
  serve(parentPort, data as ShrinkWorkerSetup);
}
