import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CELL_WORDS, ITEM, STEP } from '../core/progress.js';
import { realClearInterval, realPerformanceNow, realSetInterval } from '../core/real.js';
import { DEFAULT_MAX_HEAP_MB, DEFAULT_STALL_MS, STALL_CONFIRM_FACTOR } from '../explore/parallel.js';
import type { KeyedFrom } from './keyed-replay.js';
import { lostResult, runJob, type Job, type JobBase, type JobResult } from './jobs.js';
import type { FromShrinkWorker, ShrinkWorkerSetup, ToShrinkWorker, WireJob } from './worker.js';

/**
 * Where candidate runs run. The search asks for them in its sequential order and reads each
 * result in that order (Runner.sweep); an executor only decides how many run at once.
 */
export interface Executor {
  /** Candidates that run at the same time. */
  readonly width: number;
  /**
   * `sought`: the caller rejects any result whose first violation is not of this kind, so such
   * a result may come back without what only an accepted one needs (jobs.ts slimResult).
   */
  start(job: Job, sought?: string): Promise<JobResult>;
  /** The search no longer wants this result: a job not yet started is never run. */
  drop(p: Promise<JobResult>): void;
  close(): Promise<void>;
}

/** One after another on this thread: `start` runs the job at once. */
export class Inline implements Executor {
  readonly width = 1;
  constructor(private readonly base: JobBase) {}
  start(job: Job): Promise<JobResult> {
    return runJob(this.base, job);
  }
  drop(): void {}
  async close(): Promise<void> {}
}

export interface PoolOptions {
  /** A bundled name or a path: what each worker loads. */
  targetRef: string;
  workers: number;
  /** Wall ms a step may run before the candidate is suspected; stopped at 4× (as `--stall-ms`). */
  stallMs?: number;
  maxHeapMb?: number;
}

interface Task {
  id: number;
  job: Job;
  sought: string | undefined;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  cell: Int32Array;
  ready: boolean;
  gone: boolean;
  task: Task | null;
  /** The keyed run this worker holds (keyed jobs name it instead of sending it again). */
  holds: number;
  seenStep: number;
  movedAt: number;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Candidate runs on worker threads, one job per worker at a time. A worker whose run makes no
 * step for 4 × stallMs of wall time is stopped and replaced, and so is one that runs out of
 * heap; its candidate comes back as `stalled` or `out-of-memory`, which reproduces nothing (the
 * inline shrinker would have hung there). Any other failure of a worker fails the shrink.
 */
export class ShrinkPool implements Executor {
  readonly width: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly tasks = new WeakMap<Promise<JobResult>, Task>();
  private readonly runIds = new WeakMap<KeyedFrom, number>();
  private nextId = 0;
  private nextRunId = 0;
  private failed: Error | null = null;
  private closed = false;
  private readonly stallMs: number;
  private readonly heapMb: number;
  private readonly watch: ReturnType<typeof setInterval>; // allowed: the pool's wall-clock watchdog, outside every run

  constructor(private readonly base: JobBase, private readonly o: PoolOptions) {
    if (!existsSync(fileURLToPath(WORKER_URL))) {
      throw new Error(`worker script ${fileURLToPath(WORKER_URL)} not found: the harness runs from its compiled form (npx tsc -p .)`);
    }
    this.width = o.workers;
    this.stallMs = o.stallMs ?? DEFAULT_STALL_MS;
    this.heapMb = o.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
    for (let k = 0; k < o.workers; k++) this.spawn();
    this.watch = realSetInterval(() => this.tick(), Math.min(250, this.stallMs / 4)); // allowed: watchdog poll
    this.watch.unref();
  }

  start(job: Job, sought?: string): Promise<JobResult> {
    let task!: Task;
    const p = new Promise<JobResult>((resolve, reject) => {
      task = { id: this.nextId++, job, sought, resolve, reject };
    });
    // A dropped job's failure is nobody's to report; a job the search awaits still rejects.
    p.catch(() => undefined);
    this.tasks.set(p, task);
    if (this.failed !== null) task.reject(this.failed);
    else {
      this.queue.push(task);
      this.dispatch();
    }
    return p;
  }

  drop(p: Promise<JobResult>): void {
    const t = this.tasks.get(p);
    const i = t === undefined ? -1 : this.queue.indexOf(t);
    if (i >= 0) this.queue.splice(i, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    realClearInterval(this.watch);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): void {
    const sab = new SharedArrayBuffer(CELL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const cell = new Int32Array(sab);
    cell[ITEM] = -1;
    const setup: ShrinkWorkerSetup = {
      interleaveShrinkWorker: true, targetRef: this.o.targetRef, variant: this.base.variant, seed: this.base.seed,
      strategy: this.base.strategy, progress: sab,
    };
    // execArgv []: the parent's loaders (a test runner's TypeScript hook) would only slow workers down.
    const worker = new Worker(WORKER_URL, { workerData: setup, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    const slot: Slot = { worker, cell, ready: false, gone: false, task: null, holds: -1, seenStep: 0, movedAt: realPerformanceNow() }; // allowed: the watchdog measures wall time, never a run's
    this.slots.push(slot);
    worker.on('message', (m: FromShrinkWorker) => this.onMessage(slot, m));
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') this.lose(slot, 'out-of-memory', `the candidate ran its worker out of heap (--max-heap-mb ${this.heapMb})`);
      else this.fail(slot, `crashed: ${e.stack ?? e.message}`);
    });
    worker.on('exit', (code) => this.fail(slot, `exited (code ${code})`));
  }

  private onMessage(slot: Slot, m: FromShrinkWorker): void {
    if (slot.gone) return;
    if (m.type === 'error') {
      this.fail(slot, m.message);
      return;
    }
    if (m.type === 'ready') slot.ready = true;
    else {
      const t = slot.task;
      slot.task = null;
      if (t !== null && t.id === m.id) t.resolve(m.result);
    }
    slot.movedAt = realPerformanceNow(); // allowed: the watchdog measures wall time, never a run's
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.gone || slot.task !== null) continue;
      const t = this.queue.shift()!;
      slot.task = t;
      slot.movedAt = realPerformanceNow(); // allowed: the watchdog measures wall time, never a run's
      slot.worker.postMessage({ type: 'job', id: t.id, job: this.wire(slot, t.job), ...(t.sought !== undefined ? { sought: t.sought } : {}) } satisfies ToShrinkWorker);
    }
  }

  /** A keyed job carries its run only to a worker that does not hold it. */
  private wire(slot: Slot, job: Job): WireJob {
    if (job.type !== 'keyed') return job;
    const { from, ...rest } = job;
    let id = this.runIds.get(from);
    if (id === undefined) this.runIds.set(from, (id = this.nextRunId++));
    if (slot.holds === id) return { ...rest, fromId: id };
    slot.holds = id;
    return { ...rest, fromId: id, from: { draws: from.draws, steps: from.steps, choices: from.choices, units: from.units } };
  }

  /** The watchdog: a busy worker whose step count has not moved for 4 × stallMs is stuck. */
  private tick(): void {
    const now = realPerformanceNow(); // allowed: the watchdog measures wall time, never a run's
    for (const slot of [...this.slots]) {
      if (slot.gone || slot.task === null) continue;
      const step = Atomics.load(slot.cell, STEP);
      if (step !== slot.seenStep || Atomics.load(slot.cell, ITEM) !== slot.task.id) {
        slot.seenStep = step;
        slot.movedAt = now;
      } else if (now - slot.movedAt >= this.stallMs * STALL_CONFIRM_FACTOR) {
        this.lose(slot, 'stalled', `the candidate made no step for ${(this.stallMs * STALL_CONFIRM_FACTOR / 1000).toFixed(1)} s of wall time at step ${step}`);
      }
    }
  }

  /** The worker's candidate is lost (stalled, out of heap): it fails, and a fresh worker replaces it. */
  private lose(slot: Slot, kind: 'stalled' | 'out-of-memory', message: string): void {
    if (slot.gone) return;
    this.retire(slot);
    const t = slot.task;
    slot.task = null;
    if (t !== null) t.resolve(lostResult(this.base, t.job, kind, message));
    if (!this.closed) this.spawn();
    this.dispatch();
  }

  private fail(slot: Slot, why: string): void {
    if (slot.gone || this.closed) return;
    this.retire(slot);
    this.failed = new Error(`shrink worker for target ${this.o.targetRef} ${why.split('\n')[0]}`);
    for (const t of [...(slot.task !== null ? [slot.task] : []), ...this.queue.splice(0)]) t.reject(this.failed);
    for (const s of this.slots) if (s.task !== null) s.task.reject(this.failed);
  }

  private retire(slot: Slot): void {
    slot.gone = true;
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.terminate();
  }
}
