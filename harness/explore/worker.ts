import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { RunResult } from '../core/execute.js';
import type { CommandOptions } from './command.js';
import { UsageError, type StrategySpec } from '../sched/index.js';
import { resolveExplore, runSeed, type ExploreOptions, type Resolved } from './explore.js';

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
  | ({ type: 'results' } & Packed)
  | { type: 'error'; message: string; usage: boolean };

export async function resolveForWorker(s: Pick<WorkerSetup, 'targetRef' | 'variants' | 'strategy' | 'exploreOptions'>): Promise<Resolved> {
  const { swarm, traceWindow, checkDeterminism, weather, weatherFile: _file, pinnedRates, ...rest } = s.exploreOptions;
  const o: Omit<ExploreOptions, 'seeds'> = { ...rest, target: s.targetRef, variant: s.variants, strategy: s.strategy };
  if (weather === 'fixed') o.fixedWeather = true;
  else if (weather !== undefined) o.weather = weather;
  if (pinnedRates !== undefined) o.faultRates = Object.entries(pinnedRates).map(([k, p]) => `${k}=${p.toFixed(20)}`);
  if (swarm === true) o.swarm = true;
  if (checkDeterminism === true) o.checkDeterminism = true;
  if (traceWindow !== undefined) o.traceWindow = traceWindow;
  return resolveExplore(o);
}

/** One seed, trimmed to what the caller keeps: a passing run's decision list and trace are dead weight. */
export async function runItem(r: Resolved, variant: string, seed: string, keepAll: boolean): Promise<RunResult> {
  const res = await runSeed(r, variant, seed);
  if (keepAll || res.outcome !== 'pass') return res;
  res.decisions = [];
  res.traceWindow = [];
  delete res.trace;
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
        const results: Indexed[] = [];
        for (const it of batch) results.push({ i: it.i, result: await runItem(resolved, it.variant, it.seed, setup.keepAll) });
        post({ type: 'results', ...packResults(results) });
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
