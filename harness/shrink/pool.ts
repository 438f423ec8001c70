import { realPerformanceNow } from '../core/real.js';
import { DEFAULT_MAX_HEAP_MB, DEFAULT_STALL_MS, STALL_CONFIRM_FACTOR, requireWorkerScript, spawnWatched, stillFor, watchEvery, type WatchedWorker } from '../workers/watched.js';
import type { KeyedFrom } from '../replay/keyed.js';
import { lostResult, runJob, type Job, type JobBase, type JobResult } from './jobs.js';
import type { FromShrinkWorker, ShrinkWorkerSetup, ToShrinkWorker, WireJob } from './worker.js';
import type { Sought } from './sought.js';

/**
 * Where candidate runs run. The search asks for them in its sequential order and reads each
 * result in that order (Runner.sweep); an executor only decides how many run at once.
 */
export interface Executor {
  /** Candidates that run at the same time. */
  readonly width: number;
  /**
   * `sought`: the caller rejects any result whose first violation is not this failure (its kind,
   * and its signature unless any of the kind will do), so such a result may come back without
   * what only an accepted one needs (jobs.ts slimResult).
   */
  start(job: Job, sought?: Sought): Promise<JobResult>;
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
  sought: Sought | undefined;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface Slot extends WatchedWorker {
  task: Task | null;
  /** The keyed run this worker holds (keyed jobs name it instead of sending it again). */
  holds: number;
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
  private readonly unwatch: () => void;

  constructor(private readonly base: JobBase, private readonly o: PoolOptions) {
    requireWorkerScript(WORKER_URL);
    this.width = o.workers;
    this.stallMs = o.stallMs ?? DEFAULT_STALL_MS;
    this.heapMb = o.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
    for (let k = 0; k < o.workers; k++) this.spawn();
    this.unwatch = watchEvery(this.stallMs, () => this.tick());
  }

  start(job: Job, sought?: Sought): Promise<JobResult> {
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
    this.unwatch();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): void {
    const setup = (progress: SharedArrayBuffer): ShrinkWorkerSetup => ({
      interleaveShrinkWorker: true, targetRef: this.o.targetRef, variant: this.base.variant, seed: this.base.seed,
      strategy: this.base.strategy, progress,
    });
    const slot: Slot = Object.assign(spawnWatched<FromShrinkWorker>(WORKER_URL, setup, { heapMb: this.heapMb, execArgv: [], now: realPerformanceNow() }, { // allowed: the watchdog measures wall time, never a run's
      message: (m) => this.onMessage(slot, m),
      outOfMemory: () => this.lose(slot, 'out-of-memory', `the candidate ran its worker out of heap (--max-heap-mb ${this.heapMb})`),
      error: (message) => this.fail(slot, `crashed: ${message}`),
      unreadable: (message) => this.fail(slot, `sent a result that could not be deserialized: ${message}`),
      exit: (code) => this.fail(slot, `exited (code ${code})`),
    }), { task: null, holds: -1 });
    this.slots.push(slot);
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
      if (stillFor(slot, now, slot.task.id) >= this.stallMs * STALL_CONFIRM_FACTOR) {
        this.lose(slot, 'stalled', `the candidate made no step for ${(this.stallMs * STALL_CONFIRM_FACTOR / 1000).toFixed(1)} s of wall time at step ${slot.seenStep}`);
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
