import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { execute, type RunResult } from '../core/execute.js';
import { UsageError, type StrategySpec } from '../sched/index.js';
import { resolveExplore, type Resolved } from './explore.js';

/**
 * The serializable subset of ExploreOptions a worker re-resolves the target with. Give the
 * values the main thread already resolved (Resolved.commandOptions), so both threads build
 * identical RunOptions.
 */
export interface WorkerExploreOptions {
  faults: Readonly<Record<string, number>>;
  durationMs: number;
  maxSteps: number;
  /** The user's --ignore kinds; the target's own ignore list is added on resolution. */
  ignore: readonly string[];
  traceWindow?: number;
}

export interface WorkerSetup {
  /** Marks workerData as ours, so importing this module anywhere else does nothing. */
  interleaveWorker: true;
  /** A bundled name or a path: Target objects hold functions and cannot cross threads. */
  targetRef: string;
  variants: readonly string[];
  strategy: StrategySpec;
  exploreOptions: WorkerExploreOptions;
  keepAll: boolean;
}

export interface WorkItem {
  /** Position in the sequential (variant-major, then seed) order. */
  i: number;
  variant: string;
  seed: string;
}

export type ToWorker = { type: 'batch'; items: WorkItem[] };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'results'; results: { i: number; result: RunResult }[] }
  | { type: 'error'; message: string; usage: boolean };

export async function resolveForWorker(s: Pick<WorkerSetup, 'targetRef' | 'variants' | 'strategy' | 'exploreOptions'>): Promise<Resolved> {
  return resolveExplore({
    target: s.targetRef,
    variant: s.variants,
    strategy: s.strategy,
    faults: s.exploreOptions.faults,
    durationMs: s.exploreOptions.durationMs,
    maxSteps: s.exploreOptions.maxSteps,
    ignore: s.exploreOptions.ignore,
    ...(s.exploreOptions.traceWindow === undefined ? {} : { traceWindow: s.exploreOptions.traceWindow }),
  });
}

/** One seed, trimmed to what the caller keeps: a passing run's decision list and trace are dead weight. */
export async function runItem(r: Resolved, variant: string, seed: string, keepAll: boolean): Promise<RunResult> {
  const res = await execute({ target: r.target, variant, seed, strategy: r.strategy, options: r.options });
  if (keepAll || res.outcome !== 'pass') return res;
  res.decisions = [];
  res.traceWindow = [];
  delete res.trace;
  return res;
}

/**
 * Violation details are target-supplied and may hold values structured clone refuses
 * (functions, symbols, class instances with private state); those become JSON-ish text so a
 * failing run never dies on its way back to the main thread.
 */
export function cloneSafe(res: RunResult): RunResult {
  for (const v of res.violations) {
    if (v.details === undefined) continue;
    try {
      structuredClone(v.details);
    } catch {
      v.details = JSON.parse(JSON.stringify(v.details, (_k, x: unknown) => (typeof x === 'function' || typeof x === 'symbol' ? String(x) : x))) as Record<string, unknown>;
    }
  }
  return res;
}

/** Batches run one after another: two runs must never share the thread's event loop. */
function serve(port: MessagePort, setup: WorkerSetup): void {
  const queue: WorkItem[][] = [];
  let draining = false;
  let resolved: Resolved | null = null;
  const post = (m: FromWorker): void => port.postMessage(m);
  const fail = (e: unknown): void => {
    const usage = e instanceof UsageError;
    post({ type: 'error', usage, message: usage ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e) });
  };
  const drain = async (): Promise<void> => {
    if (draining || resolved === null) return;
    draining = true;
    try {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
        const results: { i: number; result: RunResult }[] = [];
        for (const it of batch) results.push({ i: it.i, result: cloneSafe(await runItem(resolved, it.variant, it.seed, setup.keepAll)) });
        post({ type: 'results', results });
      }
    } catch (e) {
      fail(e);
    }
    draining = false;
  };
  port.on('message', (m: ToWorker) => {
    queue.push(m.items);
    void drain();
  });
  resolveForWorker(setup).then(
    (r) => {
      resolved = r;
      post({ type: 'ready' });
      void drain();
    },
    fail,
  );
}

const data = workerData as Partial<WorkerSetup> | null;
if (parentPort !== null && data !== null && typeof data === 'object' && data.interleaveWorker === true) {
  serve(parentPort, data as WorkerSetup);
}
