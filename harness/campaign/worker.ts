import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { RunResult } from '../engine/execute.js';
import type { CommandOptions } from '../replay/command.js';
import { UsageError } from '../core/errors.js';
import type { StrategySpec } from '../strategies/index.js';
import { applyFit, resolveExplore, type ExploreOptions, type Resolved, type SeedExtra } from './resolve.js';
import { runSeed } from './seed-run.js';
import { ITEM, shareProgress } from '../core/progress.js';
import { catchRejections, runGroup } from '../workers/boundary.js';
import { GuideCorpus, type GuideEntry } from '../strategies/guided-corpus.js';
import { cloneSafe } from '../workers/clone.js';

/**
 * The serializable subset of ExploreOptions a worker re-resolves the target with: the plain
 * options the main thread already resolved (Resolved.commandOptions, whose `ignore` holds the
 * user's kinds only) plus trace and determinism settings, so both threads build identical
 * RunOptions.
 */
export interface WorkerExploreOptions extends CommandOptions {
  traceWindow?: number;
  checkDeterminism?: boolean;
}

export interface WorkerSetup {
  /** Marks workerData as ours, so importing this module anywhere else does nothing. */
  interleaveWorker: true;
  /** A bundled name or a path: Target objects hold functions and cannot cross threads. */
  targetRef: string;
  variants: readonly string[];
  strategy: StrategySpec;
  /** Per variant, what the main thread's fit decided: a worker never runs the pilot itself. */
  strategies?: Record<string, Required<StrategySpec>>;
  exploreOptions: WorkerExploreOptions;
  /** Variants whose options differ from exploreOptions (their own defaults). */
  perVariant?: Record<string, WorkerExploreOptions>;
  keepPassingDetail: boolean;
  /** Keep every run's whole timeline. */
  traceAll?: boolean;
  /** The progress cell the supervisor watches (harness/core/progress.ts). */
  progress?: SharedArrayBuffer;
  /** `--strategy guided`: the corpus to start from (loaded, and what other workers found so far). */
  guide?: GuideEntry[];
}

export interface WorkItem {
  /** Position in the sequential (variant-major, then seed) order. */
  i: number;
  variant: string;
  seed: string;
  /** Replay a stalled seed, stopping before the step whose thread never came back. */
  diagnose?: { stopAtStep: number; stalledMs: number };
  /** Re-run alone after the worker ran out of heap on it. */
  confirm?: true;
}

export type ToWorker = { type: 'batch'; items: WorkItem[] } | { type: 'adopt'; entries: GuideEntry[] };
export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'results' } & Packed)
  /** `item`: the work item it was on (-1 between seeds), stamped when it failed: the worker may not stop at once. */
  | { type: 'error'; message: string; usage: boolean; item: number };

export async function resolveForWorker(s: Pick<WorkerSetup, 'targetRef' | 'variants' | 'strategy' | 'strategies' | 'exploreOptions'>): Promise<Resolved> {
  const { swarm, traceWindow, checkDeterminism, weather, weatherFile: _file, pinnedRates, ...rest } = s.exploreOptions;
  const o: Omit<ExploreOptions, 'seeds'> = { ...rest, target: s.targetRef, variant: s.variants, strategy: s.strategy };
  if (weather === 'fixed') o.fixedWeather = true;
  else if (weather !== undefined) {
    // The weather already holds the rates, knobs, workload and window the main thread resolved
    // from it; passed again they would read as flags given beside --weather.
    o.weather = weather;
    delete o.faults;
    delete o.net;
    delete o.workload;
    delete o.faultWindowMs;
  }
  if (pinnedRates !== undefined) o.faultRates = Object.entries(pinnedRates).map(([k, p]) => `${k}=${p.toFixed(20)}`);
  if (swarm === true) o.swarm = true;
  if (checkDeterminism === true) o.checkDeterminism = true;
  if (traceWindow !== undefined) o.traceWindow = traceWindow;
  const r = await resolveExplore(o);
  const campaign = { name: s.strategy.name, params: { ...(s.strategy.params ?? {}) } };
  applyFit(r, { campaign, perVariant: s.strategies ?? Object.fromEntries(r.variants.map((v) => [v, r.strategy])) });
  return r;
}

/** One seed, trimmed to what the caller keeps: a passing run's decision list, trace and logs are dead weight. */
export async function runItem(r: Resolved, variant: string, seed: string, keepPassingDetail: boolean, extra?: SeedExtra): Promise<RunResult> {
  const res = await runSeed(r, variant, seed, keepPassingDetail ? extra : { ...extra, dropPassingDetail: true });
  if (keepPassingDetail || res.outcome !== 'pass') return res;
  res.decisions = [];
  res.traceWindow = [];
  delete res.trace;
  delete res.logs;
  return res;
}

export interface Indexed {
  i: number;
  result: RunResult;
}

/**
 * Results cross threads as one JSON string: structured clone costs more per failing run (its
 * decisions and trace window) than the run itself, JSON about a third of that. A result JSON
 * would alter (a violation detail holding NaN, a Map, a BigInt...) goes by structured clone.
 */
export interface Packed {
  json: string;
  raw: Indexed[];
}

export function packResults(results: readonly Indexed[]): Packed {
  const plain: Indexed[] = [];
  const raw: Indexed[] = [];
  for (const r of results) {
    if (r.result.violations.every((v) => v.details === undefined || jsonExact(v.details)) && jsonExact(r.result.strategy.params)) plain.push(r);
    else raw.push({ i: r.i, result: cloneSafe(r.result) });
  }
  return { json: JSON.stringify(plain), raw };
}

export function unpackResults(p: Packed): Indexed[] {
  const out = JSON.parse(p.json) as Indexed[];
  for (const r of p.raw) out.push(r);
  return out;
}

/** True when JSON.parse(JSON.stringify(v)) gives back an equal value. */
function jsonExact(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) return v.every(jsonExact);
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(v).every((x) => x !== undefined && jsonExact(x));
    }
    default:
      return false;
  }
}


function optionsIgnore(r: Resolved, variant: string): ReadonlySet<string> {
  return r.per[variant]?.options.ignore ?? new Set();
}

/**
 * Target code that calls process.exit() would end this thread with the seed unnamed; it throws
 * instead, into the task that called it, and the seed fails as an uncaught error.
 */
function guardExit(): void {
  // Node ends a worker whose exception nothing caught with process.exit(), after it has sent the
  // error to the pool: that call is let through, or the guard's own error would be printed as a
  // second, misleading crash.
  const real = process.exit.bind(process);
  let crashing = false;
  process.on('uncaughtExceptionMonitor', () => {
    crashing = true;
  });
  process.exit = ((code?: number | string | null) => {
    if (crashing) return real(code ?? undefined);
    throw new Error(`process.exit(${code ?? ''}) called by target code: a simulated program must not end the process`);
  }) as typeof process.exit;
}

/**
 * For tests only (test/internal-error.test.ts), never set by the harness: with
 * INTERLEAVE_TEST_WORKER_IMPORT=<seed>=<module path> a worker imports that module before it runs
 * the seed (`load=<path>`: instead of loading the target; `after:<seed>=<path>`: after it, and
 * throws its error from a callback, the thread's crash between seeds), as a harness module that
 * fails to load would make it fail: outside every seed's run, where only the pool can report it.
 */
const testHook = ((): { at: string; url: string } | null => {
  const v = process.env['INTERLEAVE_TEST_WORKER_IMPORT'];
  const eq = v?.indexOf('=') ?? -1;
  return v === undefined || eq < 1 ? null : { at: v.slice(0, eq), url: pathToFileURL(v.slice(eq + 1)).href };
})();

/** Batches run one after another: two runs must never share the thread's event loop. */
function serve(port: MessagePort, setup: WorkerSetup): void {
  const queue: WorkItem[][] = [];
  let draining = false;
  let resolved: Resolved | null = null;
  const byVariant = new Map<string, Resolved>();
  // One corpus per worker, shared by its variants' resolutions; others' entries arrive as 'adopt'.
  const guide = setup.strategy.name === 'guided' ? new GuideCorpus() : null;
  for (const e of setup.guide ?? []) guide?.adopt(e);
  const cell = setup.progress === undefined ? null : new Int32Array(setup.progress);
  if (cell !== null) shareProgress(cell);
  guardExit();
  catchRejections();
  const resolvedFor = async (variant: string): Promise<Resolved> => {
    const own = setup.perVariant?.[variant];
    if (own === undefined) return resolved!;
    let r = byVariant.get(variant);
    if (r === undefined) {
      r = await resolveForWorker({ ...setup, variants: [variant], exploreOptions: own });
      if (guide !== null) r.guide = guide;
      byVariant.set(variant, r);
    }
    return r;
  };
  const post = (m: FromWorker): void => port.postMessage(m);
  // The item in hand when a failure happens: read from the shared cell by the main thread only
  // later, after this worker may have gone on to other items, it would name the wrong seed.
  let current = -1;
  const at = (i: number): void => {
    current = i;
    if (cell !== null) cell[ITEM] = i;
  };
  let failed = false;
  const fail = (e: unknown): void => {
    const usage = e instanceof UsageError;
    failed = true;
    post({ type: 'error', usage, item: current, message: usage ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e) });
  };
  let ready = false;
  const drain = async (): Promise<void> => {
    // After a failure the pool is ending this worker: no further item starts.
    if (draining || !ready || failed) return;
    draining = true;
    try {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
        const group = [];
        for (const it of batch) {
          current = it.i;
          if (testHook?.at === it.seed) {
            if (cell !== null) cell[ITEM] = it.i;
            await import(testHook.url);
          }
          const r = await resolvedFor(it.variant);
          const extra: SeedExtra = { ...(it.diagnose ?? {}), traceAll: setup.traceAll === true };
          group.push({ ignore: optionsIgnore(r, it.variant), run: () => runItem(r, it.variant, it.seed, setup.keepPassingDetail || it.diagnose !== undefined, extra) });
        }
        const runs = await runGroup(group, (k) => at(batch[k]!.i));
        at(-1);
        post({ type: 'results', ...packResults(runs.map((result, k) => ({ i: batch[k]!.i, result }))) });
        if (testHook !== null && batch.some((it) => testHook.at === `after:${it.seed}`)) {
          // Dies between seeds: the import's error thrown from a callback, nothing else started.
          const failure = await import(testHook.url).then(() => new Error('test hook: the module loaded'), (e: unknown) => e);
          await new Promise(() => setImmediate(() => { // allowed: test hook only (INTERLEAVE_TEST_WORKER_IMPORT), a real macrotask that kills the worker between seeds, outside any run
            throw failure;
          }));
        }
      }
    } catch (e) {
      fail(e);
    }
    draining = false;
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'adopt') {
      for (const e of m.entries) guide?.adopt(e);
      return;
    }
    queue.push(m.items);
    void drain();
  });
  // Variants with options of their own resolve when first met; the rest now, before 'ready',
  // so a target that fails to load is reported once, as the pool's error.
  const shared = setup.variants.filter((v) => setup.perVariant?.[v] === undefined);
  const boot = testHook?.at === 'load' ? import(testHook.url).then(() => undefined) : shared.length > 0
    ? resolveForWorker({ ...setup, variants: shared }).then((r) => {
      if (guide !== null) r.guide = guide;
      resolved = r;
    })
    : resolvedFor(setup.variants[0]!).then(() => undefined);
  boot.then(
    () => {
      post({ type: 'ready' });
      ready = true;
      void drain();
    },
    fail,
  );
}

const data = workerData as Partial<WorkerSetup> | null;
if (parentPort !== null && data !== null && typeof data === 'object' && data.interleaveWorker === true) {
  serve(parentPort, data as WorkerSetup);
}
