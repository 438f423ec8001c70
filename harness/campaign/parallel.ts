import type { RunResult } from '../engine/execute.js';
import { ITEM, STEP } from '../core/progress.js';
import { concreteStrategy, type StrategySpec } from '../strategies/index.js';
import { InternalError, firstFrame, messageLine, UsageError } from '../core/errors.js';
import { unpackResults, type FromWorker, type ToWorker, type WorkerExploreOptions, type WorkerSetup, type WorkItem } from './worker.js';
import type { GuideEntry } from '../strategies/guided-corpus.js';
import { realPerformanceNow } from '../core/real.js';
import { hostWorkerExecArgv } from '../host/esm.js';
import type { SeedSeq } from './seeds.js';
import { DEFAULT_MAX_HEAP_MB, DEFAULT_STALL_MS, STALL_CONFIRM_FACTOR, requireWorkerScript, spawnWatched, stillFor, watchEvery, type WatchedWorker } from '../workers/watched.js';

export type { WorkerExploreOptions } from './worker.js';


export interface ParallelInput {
  /** A bundled target name or a path to a target file (what each worker loads). */
  targetRef: string;
  /** The target's name, for the results of seeds whose worker died (default: targetRef). */
  targetName?: string;
  /** A host-mode target: its workers get ES module support (ctx.host.import). */
  host?: boolean;
  variants: readonly string[];
  /** An array, or a range made on demand (an open range). */
  seeds: SeedSeq;
  strategy: StrategySpec;
  /** Per variant, the fitted strategy a seed's own is taken from (campaign/fit.ts); absent: `strategy`. */
  strategies?: Readonly<Record<string, Required<StrategySpec>>>;
  exploreOptions: WorkerExploreOptions;
  /** Options for some variants, when they differ from exploreOptions (variant defaults). */
  perVariant?: Readonly<Record<string, WorkerExploreOptions>>;
  jobs: number;
  /** Keep passing runs' decisions and trace window (off: they are dropped in the worker). */
  keepPassingDetail?: boolean;
  /** Keep each run's whole timeline (replay --trace). */
  traceAll?: boolean;
  /** Return every result (default). Off, results only stream through onResult: memory stays flat. */
  collect?: boolean;
  /** Runs per message; default scales with the work so messaging stays cheap but slow seeds don't idle workers. */
  batchSize?: number;
  /** Called in the sequential order (index 0, 1, 2, ...), whatever order the workers finish in. */
  onResult?: (r: RunResult, index: number, total: number) => void;
  /** Positions not to run (a resumed campaign's finished seeds); onResult skips them. */
  skip?: Positions;
  /** Called as each result arrives, in no set order; a throw ends the pool with that error. */
  onArrival?: (r: RunResult, index: number) => void;
  /** Wall ms a step may run before it is suspected; confirmed at 4×. */
  stallMs?: number;
  /** Heap limit per worker, MB. */
  maxHeapMb?: number;
  /** Polled a few times a second: true terminates the workers and returns what ran. */
  shouldStop?: () => boolean;
  /** One-line notes for the user (a suspected stall). */
  onNote?: (line: string) => void;
  /** `--strategy guided`: the corpus every worker starts from (--guide-dir). Workers then
   * share what they find: each new entry is sent to the others as it arrives. */
  guide?: readonly GuideEntry[];
  /** Stop at the first failing seed: the lowest in the order, whatever order workers finish in.
   * The seeds before it all run; none after it is reported. */
  untilFail?: boolean;
  /** Polled as work is handed out (`run --time`): true stops handing out new seeds; the seeds
   * already handed out, up to the end of a seed (every variant of it), finish and are reported;
   * the first seed always runs. */
  stopDrawing?: () => boolean;
  /** With untilFail: whether a skipped position (a resumed journal's entry) failed. */
  skipFailed?: (i: number) => boolean;
}

/** A set of positions as the pool reads it: a Set, or a view of the resumed journal's entries
 * (explore.ts), which are not copied into one. */
export interface Positions {
  has(i: number): boolean;
  readonly size: number;
  [Symbol.iterator](): Iterator<number>;
}

export interface ParallelOutcome {
  results: RunResult[];
  /** shouldStop ended the pool: `results` (and onResult) cover a prefix of the order. */
  interrupted: boolean;
  /** Positions covered, 0..end-1 (skipped ones included): the total unless a budget stopped it. */
  end: number;
  /** What stopped the pool: the first failure (in the last seed too), or stopDrawing before the total. */
  stoppedBy?: 'failure' | 'time';
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** runSupervised's results alone. */
export async function runParallel(input: ParallelInput): Promise<RunResult[]> {
  return (await runSupervised(input)).results;
}

/**
 * Runs every (variant, seed) pair on `jobs` worker threads and hands results back in the
 * order of the sequential loop (seed-major, then variant order): runs are independent, so the
 * failing seeds and every hash are those of an inline loop. Threads are used at every `jobs`,
 * one included, so this thread stays free to watch them: a seed whose thread never comes back
 * (a busy loop), runs out of heap or ends its thread becomes a violation of that seed, and the
 * rest of the work goes on in a fresh worker.
 */
export async function runSupervised(input: ParallelInput): Promise<ParallelOutcome> {
  if (!Number.isInteger(input.jobs) || input.jobs < 1) throw new UsageError(`--jobs must be a positive integer, got ${input.jobs}`);
  const stallMs = input.stallMs ?? DEFAULT_STALL_MS;
  if (!(Number.isFinite(stallMs) && stallMs > 0)) throw new UsageError(`--stall-ms must be a positive number, got ${stallMs}`);
  const heap = input.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  if (!(Number.isInteger(heap) && heap >= 16)) throw new UsageError(`--max-heap-mb must be an integer >= 16, got ${heap}`);
  const total = input.variants.length * input.seeds.length;
  const skip = input.skip ?? new Set<number>();
  const sink = new InOrder(total, input.collect !== false, input.onResult, skip);
  const stoppedBy = (): ParallelOutcome['stoppedBy'] => sink.limitBy;
  // A resumed --until-fail run may have found its failure already.
  if (input.untilFail === true) for (const i of skip) if (input.skipFailed?.(i) === true) sink.lower(seedEnd(input, i), 'failure');
  if (sink.next >= sink.limit) return { results: sink.results, interrupted: false, end: sink.limit, ...optional(stoppedBy()) };
  // With a budget, small batches: a stop waits for at most two of them per worker.
  const budget = input.untilFail === true || input.stopDrawing !== undefined;
  const batch = input.batchSize ?? Math.max(1, Math.min(budget ? BUDGET_BATCH : 64, Math.floor(total / (input.jobs * 16))));
  const interrupted = await new Pool(input, total, batch, sink, stallMs, heap).run();
  return { results: sink.results, interrupted, end: sink.limit, ...optional(stoppedBy()) };
}

function optional(by: ParallelOutcome['stoppedBy']): { stoppedBy?: 'failure' | 'time' } {
  return by === undefined ? {} : { stoppedBy: by };
}

/** Runs per batch under --time or --until-fail. */
const BUDGET_BATCH = 8;

/** The end of the seed that position i belongs to: every variant of a seed runs, or none. */
function seedEnd(input: Pick<ParallelInput, 'variants'>, i: number): number {
  const n = input.variants.length;
  return (Math.floor(i / n) + 1) * n;
}

/** Seed-major: every variant's seed 1, then every variant's seed 2, … (explore's order). */
function itemAt(input: ParallelInput, i: number): WorkItem {
  const n = input.variants.length;
  return { i, variant: input.variants[i % n]!, seed: input.seeds.at(Math.floor(i / n))! };
}

/** A reorder buffer: results arrive out of order and leave in index order, up to `limit`. */
class InOrder {
  readonly results: RunResult[] = [];
  private readonly early = new Map<number, RunResult>();
  next = 0;
  /** Results at or past it are dropped: a budget ended the order there. */
  limit: number;
  limitBy: 'failure' | 'time' | undefined;

  constructor(
    readonly total: number,
    private readonly collect: boolean,
    private readonly onResult: ParallelInput['onResult'],
    private readonly skip: Positions,
  ) {
    this.limit = total;
    this.passSkipped();
  }

  /** Ends the order at `end` (never raises it). A failure in the last seed ends it too. */
  lower(end: number, by: 'failure' | 'time'): void {
    if (end === this.limit && by === 'failure' && this.limitBy !== 'failure') this.limitBy = by;
    if (end >= this.limit) return;
    this.limit = end;
    this.limitBy = by;
    for (const i of [...this.early.keys()]) if (i >= end) this.early.delete(i);
  }

  put(i: number, r: RunResult): void {
    if (i < this.next || this.early.has(i) || this.skip.has(i)) throw new Error(`result ${i} arrived twice`);
    if (i >= this.limit) return;
    this.early.set(i, r);
    for (let x = this.early.get(this.next); x !== undefined && this.next < this.limit; x = this.early.get(this.next)) {
      this.early.delete(this.next);
      if (this.collect) this.results.push(x);
      this.onResult?.(x, this.next, this.total);
      this.next++;
      this.passSkipped();
    }
  }

  private passSkipped(): void {
    while (this.next < this.limit && this.skip.has(this.next)) this.next++;
  }
}

interface Slot extends WatchedWorker {
  id: number;
  /** Batches sent and not answered, oldest first. */
  inflight: WorkItem[][];
  /** A diagnosis or confirmation runs alone in its worker. */
  exclusive: boolean;
  warned: boolean;
  /** The last work item whose result it sent: a worker that dies between seeds is named by it. */
  lastDone: WorkItem | null;
}

type Death = { why: 'stall'; step: number } | { why: 'oom' } | { why: 'exit'; code: number } | { why: 'error'; message: string };

/**
 * Hands out small batches on demand (two in flight per worker, so a worker never waits for
 * the round trip), watches each worker's progress cell, replaces workers that die, and tears
 * every worker down at the end, on success, on interruption or on the first error.
 */
class Pool {
  private readonly slots: Slot[] = [];
  private spawned = 0;
  private cursor = 0;
  /** Items to run again (their worker died running another), lowest index first. */
  private retry: WorkItem[] = [];
  /** Diagnoses and confirmations, each for a fresh worker of its own. */
  private readonly special: WorkItem[] = [];
  private settled = false;
  private stopped = false;
  private resolve!: (interrupted: boolean) => void;
  private reject!: (e: unknown) => void;
  /** Guided: the entries workers found, for the others and for a replacement worker. */
  private readonly found: GuideEntry[] = [];
  /** Workers that died or failed while loading the target: the first is replaced, the second is reported. */
  private loadFailures = 0;

  constructor(
    private readonly input: ParallelInput,
    private readonly total: number,
    private readonly batch: number,
    private readonly sink: InOrder,
    private readonly stallMs: number,
    private readonly heapMb: number,
  ) {}

  async run(): Promise<boolean> {
    requireWorkerScript(WORKER_URL);
    const done = new Promise<boolean>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    const n = Math.min(this.input.jobs, Math.ceil((this.total - (this.input.skip?.size ?? 0)) / this.batch));
    for (let k = 0; k < n; k++) this.spawn();
    const unwatch = watchEvery(this.stallMs, () => this.tick());
    try {
      return await done;
    } finally {
      unwatch();
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
    }
  }

  private spawn(): Slot {
    const id = ++this.spawned;
    const setup = (progress: SharedArrayBuffer): WorkerSetup => ({
      interleaveWorker: true,
      targetRef: this.input.targetRef,
      variants: [...this.input.variants],
      strategy: this.input.strategy,
      ...(this.input.strategies !== undefined ? { strategies: { ...this.input.strategies } } : {}),
      exploreOptions: this.input.exploreOptions,
      perVariant: { ...(this.input.perVariant ?? {}) },
      keepPassingDetail: this.input.keepPassingDetail === true,
      traceAll: this.input.traceAll === true,
      progress,
      ...(this.input.guide !== undefined ? { guide: [...this.input.guide, ...this.found] } : {}),
    });
    // execArgv: not the parent's (a test runner's TypeScript hook would only slow workers down);
    // a host target's workers get vm.SourceTextModule for ctx.host.import.
    const execArgv = this.input.host === true ? hostWorkerExecArgv() : [];
    const slot: Slot = Object.assign(spawnWatched<FromWorker>(WORKER_URL, setup, { heapMb: this.heapMb, execArgv, now: realPerformanceNow() }, { // allowed: the watchdog measures wall time, never a run's
      message: (m) => this.onMessage(slot, m),
      outOfMemory: () => this.died(slot, { why: 'oom' }),
      error: (message) => this.died(slot, { why: 'error', message }),
      unreadable: (message) => this.fail(new Error(`worker ${id} sent a result that could not be deserialized: ${message}`)),
      exit: (code) => this.died(slot, { why: 'exit', code }),
    }), { id, inflight: [], exclusive: false, warned: false, lastDone: null });
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (this.settled || slot.gone) return;
    if (m.type === 'error') {
      if (m.usage) {
        const it = m.item >= 0 && m.item < this.total ? itemAt(this.input, m.item) : null;
        this.fail(new UsageError(`in a worker for target ${this.input.targetRef}${it !== null ? `, running ${it.variant} seed ${it.seed}` : ''}: ${m.message}`));
        return;
      }
      if (!slot.ready) {
        this.loadFailed(slot, `failed: ${m.message}`, m.message);
        return;
      }
      this.fail(new InternalError(`worker ${slot.id} for target ${this.input.targetRef} failed ${this.where(slot, m.item)}: ${messageLine(m.message)}`, m.message));
      return;
    }
    if (m.type === 'ready') {
      slot.ready = true;
      slot.movedAt = realPerformanceNow(); // allowed: the watchdog measures wall time, never a run's
      this.send(slot);
      this.send(slot);
      return;
    }
    slot.inflight.shift();
    slot.exclusive = false;
    try {
      const found: GuideEntry[] = [];
      for (const { i, result } of unpackResults(m)) {
        if (result.guided?.entry !== undefined) found.push(result.guided.entry);
        slot.lastDone = itemAt(this.input, i);
        this.accept(i, result);
      }
      if (found.length > 0) this.share(slot, found);
    } catch (e) {
      // A throwing onResult must reject the pool, not escape as an uncaught exception.
      this.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.settled) return;
    if (this.sink.next >= this.sink.limit) {
      this.settled = true;
      this.resolve(false);
      return;
    }
    this.send(slot);
    if (slot.inflight.length === 1) this.send(slot);
  }

  /** A worker's new corpus entries go to every other worker (guided: one corpus per process). */
  private share(from: Slot, entries: GuideEntry[]): void {
    this.found.push(...entries);
    const m: ToWorker = { type: 'adopt', entries };
    for (const s of this.slots) if (s !== from && !s.gone) s.worker.postMessage(m);
  }

  private accept(i: number, r: RunResult): void {
    // Past the end a budget set (a later seed than the first failure): not reported, as if never run.
    if (i >= this.sink.limit) return;
    // The first failing seed ends the order after its last variant; the seeds before it still run.
    if (this.input.untilFail === true && r.outcome === 'violation') this.sink.lower(seedEnd(this.input, i), 'failure');
    this.input.onArrival?.(r, i);
    this.sink.put(i, r);
  }

  private take(): WorkItem[] {
    const items: WorkItem[] = [];
    const skip = this.input.skip;
    if (this.input.stopDrawing !== undefined && this.sink.limitBy === undefined && this.input.stopDrawing()) {
      // Time is up: no new seed starts; the one the cursor is in is finished (all its variants).
      while (this.cursor < this.total && skip !== undefined && skip.has(this.cursor)) this.cursor++;
      // The first seed always runs, however long loading the target took: a report is never empty.
      this.sink.lower(this.cursor % this.input.variants.length === 0 && this.cursor > 0 ? this.cursor : seedEnd(this.input, this.cursor), 'time');
      if (this.sink.next >= this.sink.limit && !this.settled) {
        // Nothing left in flight: every seed handed out has been reported.
        this.settled = true;
        this.resolve(false);
        return [];
      }
    }
    this.retry = this.retry.filter((it) => it.i < this.sink.limit);
    while (items.length < this.batch && this.retry.length > 0) items.push(this.retry.shift()!);
    while (items.length < this.batch && this.cursor < this.sink.limit) {
      const i = this.cursor++;
      if (skip === undefined || !skip.has(i)) items.push(itemAt(this.input, i));
    }
    return items;
  }

  private send(slot: Slot): void {
    if (this.settled || this.stopped || slot.gone || !slot.ready || slot.exclusive) return;
    if (this.special.length > 0 && slot.inflight.length === 0) {
      slot.exclusive = true;
      this.post(slot, [this.special.shift()!]);
      return;
    }
    if (slot.inflight.length >= 2) return;
    const items = this.take();
    if (items.length > 0) this.post(slot, items);
  }

  private post(slot: Slot, items: WorkItem[]): void {
    slot.inflight.push(items);
    slot.worker.postMessage({ type: 'batch', items } satisfies ToWorker);
  }

  /** The watchdog: a worker whose cell has not moved for 4 × stallMs is stuck in one step. */
  private tick(): void {
    if (this.settled) return;
    if (this.input.shouldStop?.() === true) {
      this.stopped = true;
      this.settled = true;
      this.resolve(true);
      return;
    }
    const now = realPerformanceNow(); // allowed: the watchdog measures wall time, never a run's
    for (const slot of [...this.slots]) {
      if (slot.gone || !slot.ready) continue;
      const still = stillFor(slot, now);
      if (still === 0) {
        slot.warned = false;
        continue;
      }
      const { seenItem: item, seenStep: step } = slot;
      if (still >= this.stallMs * STALL_CONFIRM_FACTOR) {
        void slot.worker.terminate();
        this.died(slot, { why: 'stall', step });
      } else if (still >= this.stallMs && !slot.warned) {
        slot.warned = true;
        const it = itemAt(this.input, item);
        this.input.onNote?.(`${it.variant} seed ${it.seed} has made no step for ${(still / 1000).toFixed(1)} s (at step ${step}); stopping it at ${(this.stallMs * STALL_CONFIRM_FACTOR / 1000).toFixed(1)} s`);
      }
    }
  }

  /** A worker is gone: charge the seed it was running, run its other items again elsewhere. */
  private died(slot: Slot, d: Death): void {
    if (slot.gone) return;
    slot.gone = true;
    this.slots.splice(this.slots.indexOf(slot), 1);
    if (this.settled) return;
    const sent = slot.inflight.flat();
    const at = Atomics.load(slot.cell, ITEM);
    const culprit = sent.find((it) => it.i === at);
    if (!slot.ready || culprit === undefined) {
      const why = d.why === 'stall' ? 'stopped making progress' : d.why === 'oom' ? `ran out of heap (--max-heap-mb ${this.heapMb})` : d.why === 'exit' ? `exited (code ${d.code})` : 'crashed';
      const detail = d.why === 'error' ? d.message : undefined;
      if (!slot.ready) {
        this.loadFailed(slot, d.why === 'error' ? `crashed: ${d.message}` : why, detail);
        return;
      }
      const what = detail !== undefined ? `: ${messageLine(detail)}` : '';
      this.fail(new InternalError(`worker ${slot.id} for target ${this.input.targetRef} ${why} ${this.where(slot)}, with ${this.total - this.sink.next} runs unfinished${what}`, detail));
      return;
    }
    this.retry = [...this.retry, ...sent.filter((it) => it !== culprit).map(plainItem)].sort((a, b) => a.i - b.i);
    const verdict = this.verdict(culprit, d, Atomics.load(slot.cell, STEP));
    try {
      if (verdict !== null) this.accept(culprit.i, verdict);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.sink.next >= this.sink.limit) {
      this.settled = true;
      this.resolve(false);
      return;
    }
    const fresh = this.spawn();
    void fresh;
  }

  /** The result a dead worker's seed gets, or null when it must run again first. */
  private verdict(it: WorkItem, d: Death, step: number): RunResult | null {
    const wallMs = this.stallMs * STALL_CONFIRM_FACTOR;
    switch (d.why) {
      case 'stall':
        // Replay the seed up to the step that never came back, stopping just before it, to name
        // what it resumes; at step 0 the setup itself never returned.
        if (it.diagnose === undefined && step > 0) {
          this.special.push({ ...plainItem(it), diagnose: { stopAtStep: step, stalledMs: wallMs } });
          return null;
        }
        return this.synthetic(it, 'stalled', step > 0 ? [] : ['setup'], step > 0
          ? `the run made no step for ${(wallMs / 1000).toFixed(1)} s of wall time at step ${step}, and its diagnosis replay stalled too`
          : `setup never returned: it ran for ${(wallMs / 1000).toFixed(1)} s of wall time without finishing (a busy loop, or a synchronous wait)`, step);
      case 'oom':
        // Confirmed alone in a fresh worker: the heap may have been filled by earlier seeds.
        if (it.confirm !== true) {
          this.special.push({ ...plainItem(it), confirm: true });
          return null;
        }
        return this.synthetic(it, 'out-of-memory', [], `the seed ran its worker out of heap (--max-heap-mb ${this.heapMb}) at step ${step}, again when run alone in a fresh worker: an allocation storm`, step);
      case 'exit':
        return this.synthetic(it, 'uncaught-error', [], `the thread running this seed exited (code ${d.code}) at step ${step}: target code ended it (process.exit, or a native abort)`, step);
      case 'error':
        return this.synthetic(it, 'uncaught-error', [], `an error escaped every task at step ${step} (thrown from a callback the harness does not run, such as a real timer): ${d.message.split('\n')[0]}`, step);
    }
  }

  private synthetic(it: WorkItem, kind: string, actors: string[], message: string, step: number): RunResult {
    const fitted = this.input.strategies?.[it.variant] ?? { name: this.input.strategy.name, params: { ...(this.input.strategy.params ?? {}) } };
    const strategy = concreteStrategy(fitted, it.seed);
    return {
      target: this.input.targetName ?? this.input.targetRef,
      variant: it.variant,
      seed: it.seed,
      strategy,
      outcome: 'violation',
      end: 'violation',
      violations: [{ kind, step, timeMs: 0, actors, message }],
      ignored: {},
      steps: step,
      timeMs: 0,
      decisionHash: '',
      tasks: 0,
      faultLog: [],
      faults: {},
      decisions: [],
      traceWindow: [],
    };
  }

  /**
   * Where a worker was when it failed outside a seed's run: the seed its cell says it was on, or
   * the last seed it finished.
   */
  private where(slot: Slot, item?: number): string {
    // A live worker says where it was; a dead one's cell holds still and can be read.
    const at = item ?? Atomics.load(slot.cell, ITEM);
    if (at >= 0 && at < this.total) {
      const it = itemAt(this.input, at);
      return `running ${it.variant} seed ${it.seed}`;
    }
    const last = slot.lastDone;
    return last === null ? 'between seeds, before it finished any seed' : `between seeds (the last seed it finished: ${last.variant} seed ${last.seed})`;
  }

  /**
   * A worker that died or failed while loading the target: a fresh one is started once (a
   * worker can fail to start for want of memory or a file being rebuilt); a second failure is
   * the target's load error, named with its message and first stack frame.
   */
  private loadFailed(slot: Slot, why: string, detail: string | undefined): void {
    slot.gone = true;
    const k = this.slots.indexOf(slot);
    if (k >= 0) this.slots.splice(k, 1);
    void slot.worker.terminate();
    if (this.settled) return;
    // Not yet given work (send waits for 'ready'), but a diagnosis could be due: keep its items.
    this.retry = [...this.retry, ...slot.inflight.flat().map(plainItem)].sort((a, b) => a.i - b.i);
    if (++this.loadFailures <= 1) {
      this.spawn();
      return;
    }
    const text = detail ?? why;
    const frame = detail !== undefined ? firstFrame(detail) : null;
    this.fail(new InternalError(`target ${this.input.targetRef} failed to load in a worker (twice; worker ${slot.id} ${detail !== undefined ? (why.startsWith('failed') ? 'failed' : 'crashed') : why}): ${messageLine(text)}${frame !== null ? ` (at ${frame})` : ''}`, detail));
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }
}

function plainItem(it: WorkItem): WorkItem {
  return { i: it.i, variant: it.variant, seed: it.seed };
}
