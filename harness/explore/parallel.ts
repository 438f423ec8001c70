import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunResult } from '../core/execute.js';
import { UsageError, type StrategySpec } from '../sched/index.js';
import { resolveForWorker, runItem, unpackResults, type FromWorker, type WorkerExploreOptions, type WorkerSetup, type WorkItem } from './worker.js';

export type { WorkerExploreOptions } from './worker.js';

export interface ParallelInput {
  /** A bundled target name or a path to a target file (what each worker loads). */
  targetRef: string;
  variants: readonly string[];
  seeds: readonly string[];
  strategy: StrategySpec;
  exploreOptions: WorkerExploreOptions;
  jobs: number;
  /** Keep passing runs' decisions and trace window (off: they are dropped in the worker). */
  keepAll?: boolean;
  /** Return every result (default). Off, results only stream through onResult: memory stays flat. */
  collect?: boolean;
  /** Runs per message; default scales with the work so messaging stays cheap but slow seeds don't idle workers. */
  batchSize?: number;
  /** Called in the sequential order (index 0, 1, 2, ...), whatever order the workers finish in. */
  onResult?: (r: RunResult, index: number, total: number) => void;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Runs every (variant, seed) pair on `jobs` worker threads and hands results back in the
 * order of the sequential loop (variant-major, then seed order): runs are independent, so the
 * failing seeds and every hash are those of `jobs = 1`. `jobs = 1` runs inline, no threads.
 */
export async function runParallel(input: ParallelInput): Promise<RunResult[]> {
  if (!Number.isInteger(input.jobs) || input.jobs < 1) throw new UsageError(`--jobs must be a positive integer, got ${input.jobs}`);
  const total = input.variants.length * input.seeds.length;
  const sink = new InOrder(total, input.collect !== false, input.onResult);
  if (input.jobs === 1 || total <= 1) {
    const r = await resolveForWorker(input);
    for (let i = 0; i < total; i++) {
      const it = itemAt(input, i);
      sink.put(i, await runItem(r, it.variant, it.seed, input.keepAll === true));
    }
    return sink.results;
  }
  const batch = input.batchSize ?? Math.max(1, Math.min(64, Math.floor(total / (input.jobs * 16))));
  await new Pool(input, total, batch, sink).run();
  return sink.results;
}

function itemAt(input: ParallelInput, i: number): WorkItem {
  const n = input.seeds.length;
  return { i, variant: input.variants[Math.floor(i / n)]!, seed: input.seeds[i % n]! };
}

/** A reorder buffer: results arrive out of order and leave in index order. */
class InOrder {
  readonly results: RunResult[] = [];
  private readonly early = new Map<number, RunResult>();
  next = 0;

  constructor(
    readonly total: number,
    private readonly collect: boolean,
    private readonly onResult: ParallelInput['onResult'],
  ) {}

  put(i: number, r: RunResult): void {
    this.early.set(i, r);
    for (let x = this.early.get(this.next); x !== undefined; x = this.early.get(this.next)) {
      this.early.delete(this.next);
      if (this.collect) this.results.push(x);
      this.onResult?.(x, this.next, this.total);
      this.next++;
    }
  }
}

/**
 * Hands out small batches on demand (two in flight per worker, so a worker never waits for
 * the round trip) and tears every worker down at the end, on success or on the first error.
 */
class Pool {
  private readonly workers: Worker[] = [];
  private cursor = 0;
  private settled = false;
  private resolve!: () => void;
  private reject!: (e: unknown) => void;

  constructor(
    private readonly input: ParallelInput,
    private readonly total: number,
    private readonly batch: number,
    private readonly sink: InOrder,
  ) {}

  async run(): Promise<void> {
    if (!existsSync(fileURLToPath(WORKER_URL))) {
      throw new Error(`worker script ${fileURLToPath(WORKER_URL)} not found: --jobs needs the compiled harness (npx tsc -p .)`);
    }
    const done = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    const n = Math.min(this.input.jobs, Math.ceil(this.total / this.batch));
    for (let k = 0; k < n; k++) this.spawn(k);
    try {
      await done;
    } finally {
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }

  private spawn(k: number): void {
    const setup: WorkerSetup = {
      interleaveWorker: true,
      targetRef: this.input.targetRef,
      variants: [...this.input.variants],
      strategy: this.input.strategy,
      exploreOptions: this.input.exploreOptions,
      keepAll: this.input.keepAll === true,
    };
    // execArgv []: the parent's loaders (a test runner's TypeScript hook) would only slow workers down.
    const w = new Worker(WORKER_URL, { workerData: setup, execArgv: [] });
    this.workers.push(w);
    w.on('message', (m: FromWorker) => this.onMessage(w, m));
    w.on('error', (e) => this.fail(new Error(`worker ${k + 1} crashed: ${e.stack ?? e.message}`)));
    w.on('messageerror', (e) => this.fail(new Error(`worker ${k + 1} sent a result that could not be deserialized: ${e.message}`)));
    w.on('exit', (code) => this.fail(new Error(`worker ${k + 1} exited (code ${code}) with ${this.total - this.sink.next} runs unfinished`)));
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (this.settled) return;
    if (m.type === 'error') {
      const msg = `in a --jobs worker for target ${this.input.targetRef}: ${m.message}`;
      this.fail(m.usage ? new UsageError(msg) : new Error(msg));
      return;
    }
    if (m.type === 'ready') {
      this.send(w);
      this.send(w);
      return;
    }
    try {
      for (const { i, result } of unpackResults(m)) this.sink.put(i, result);
    } catch (e) {
      // A throwing onResult must reject runParallel, not escape as an uncaught exception.
      this.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.sink.next === this.total) {
      this.settled = true;
      this.resolve();
      return;
    }
    this.send(w);
  }

  private send(w: Worker): void {
    if (this.cursor >= this.total) return;
    const items: WorkItem[] = [];
    const end = Math.min(this.total, this.cursor + this.batch);
    for (; this.cursor < end; this.cursor++) items.push(itemAt(this.input, this.cursor));
    w.postMessage({ type: 'batch', items });
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }
}
