import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CELL_WORDS, ITEM, STEP } from '../core/progress.js';
import { realClearInterval, realSetInterval } from '../core/real.js';

/**
 * What a campaign's pool (parallel.ts) and the shrinker's (shrink/pool.ts) share about a worker
 * thread: it is started with a progress cell it writes its step count and work item into, with
 * a heap limit, and watched from this thread, which sees a run that never comes back as a cell
 * that stops moving. What each pool does with a worker that stalls or dies is its own.
 */

/**
 * How long a step may run (wall time) before the supervisor suspects its thread: no healthy
 * simulated step does a second of synchronous work, yet a major GC pause or a starved CI core
 * can freeze a thread for some hundreds of ms. The suspicion is confirmed at 4× (4 s), which
 * no GC pause reaches, before the worker is terminated.
 */
export const DEFAULT_STALL_MS = 1_000;
export const STALL_CONFIRM_FACTOR = 4;
/** Heap per worker: a healthy seed of a bundled target needs tens of MB, the Raft target with a
 * full trace some hundreds; past this a seed is an allocation storm, not a workload. */
export const DEFAULT_MAX_HEAP_MB = 1_024;

/** A worker and what its watchdog knows of it. */
export interface WatchedWorker {
  worker: Worker;
  /** The worker's progress cell: [STEP] its run's step, [ITEM] its work item (-1 idle). */
  cell: Int32Array;
  /** It has loaded its target and said so. */
  ready: boolean;
  /** It died or was stopped: whatever it sends now is ignored. */
  gone: boolean;
  seenItem: number;
  seenStep: number;
  /** Wall ms (realPerformanceNow) at which its cell last moved or it was last given work. */
  movedAt: number;
}

/** What a pool hears from a worker. */
export interface WorkerEvents<M> {
  message(m: M): void;
  /** It ran out of heap (`--max-heap-mb`). */
  outOfMemory(): void;
  /** It threw. */
  error(message: string): void;
  /** It sent a message that could not be deserialized. */
  unreadable(message: string): void;
  exit(code: number): void;
}

/** The compiled worker script must exist: the harness runs workers from its compiled form only. */
export function requireWorkerScript(url: URL): void {
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`worker script ${fileURLToPath(url)} not found: the harness runs from its compiled form (npx tsc -p .)`);
  }
}

export interface SpawnOptions {
  heapMb: number;
  /** Never the parent's: a test runner's TypeScript hook would only slow workers down. */
  execArgv: string[];
  /** The wall time (realPerformanceNow) the worker's watch starts from. */
  now: number;
}

/**
 * Starts a worker on `url` with a fresh progress cell, idle; `setup` puts the cell's buffer into
 * the worker's data.
 */
export function spawnWatched<M>(url: URL, setup: (progress: SharedArrayBuffer) => unknown, o: SpawnOptions, on: WorkerEvents<M>): WatchedWorker {
  const sab = new SharedArrayBuffer(CELL_WORDS * Int32Array.BYTES_PER_ELEMENT);
  const cell = new Int32Array(sab);
  cell[ITEM] = -1;
  const worker = new Worker(url, { workerData: setup(sab), execArgv: o.execArgv, resourceLimits: { maxOldGenerationSizeMb: o.heapMb } });
  worker.on('message', (m: M) => on.message(m));
  worker.on('error', (e: Error & { code?: string }) => {
    if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') on.outOfMemory();
    else on.error(e.stack ?? e.message);
  });
  worker.on('messageerror', (e) => on.unreadable(e.message));
  worker.on('exit', (code) => on.exit(code));
  return { worker, cell, ready: false, gone: false, seenItem: -1, seenStep: 0, movedAt: o.now };
}

/**
 * How long (wall ms) the worker has been on the same step of the same work item; 0 when its cell
 * moved since the last look (or it is idle, or not yet on `expect`, the item it was given), and
 * the watch starts again from `now`.
 */
export function stillFor(w: WatchedWorker, now: number, expect?: number): number {
  const item = Atomics.load(w.cell, ITEM);
  const step = Atomics.load(w.cell, STEP);
  if (item < 0 || item !== w.seenItem || step !== w.seenStep || (expect !== undefined && item !== expect)) {
    w.seenItem = item;
    w.seenStep = step;
    w.movedAt = now;
    return 0;
  }
  return now - w.movedAt;
}

/** Calls `tick` a few times per `stallMs` until the returned function is called. */
export function watchEvery(stallMs: number, tick: () => void): () => void {
  const h = realSetInterval(tick, Math.min(250, stallMs / 4)); // allowed: the wall-clock watchdog's poll, outside every run
  h.unref();
  return () => realClearInterval(h);
}
