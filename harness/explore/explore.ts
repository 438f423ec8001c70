import type { Target } from '../core/api.js';
import { DEFAULT_OPTIONS, execute, type RunResult } from '../core/execute.js';
import { resolveFaults } from '../core/faults.js';
import type { RunOptions } from '../core/run.js';
import { canonicalSeed } from '../core/seed.js';
import { makeStrategy, UsageError, type StrategySpec } from '../sched/index.js';
import { checkVariant, loadTarget } from '../target/load.js';
import { replayCommand, type CommandOptions } from './command.js';
import { parseSeeds } from './seeds.js';

export interface ExploreOptions {
  /** A Target object, a bundled target name, or a path to a target file. */
  target: Target | string;
  /** One variant, several, or (default) all of the target's variants. */
  variant?: string | readonly string[];
  /** A list of seeds, or a spec: `1..1000`, `a,b,c`, `42`. */
  seeds: readonly (string | number)[] | string;
  strategy?: string | StrategySpec;
  /** Fault names (or `all`), or name → rate. */
  faults?: readonly string[] | Readonly<Record<string, number>>;
  /** `name=p` overrides for named faults. */
  faultRates?: readonly string[];
  durationMs?: number;
  maxSteps?: number;
  ignore?: readonly string[];
  traceWindow?: number;
  /** Called after every run (progress lines, custom collection). */
  onResult?: (r: RunResult, index: number, total: number) => void;
  /** Keep every run's result in `runs` (memory grows with seeds: off by default). */
  keepRuns?: boolean;
}

export interface Failure {
  variant: string;
  seed: string;
  kinds: string[];
  decisionHash: string;
  replayCommand: string;
  result: RunResult;
}

export interface ExploreResult {
  target: string;
  /** What the replay commands name: a bundled name or the path the user gave. */
  targetRef: string;
  variants: string[];
  strategy: Required<StrategySpec>;
  options: CommandOptions;
  runs: number;
  violationsByKind: Record<string, number>;
  /** Runs with no violation, per variant. */
  passesByVariant: Record<string, number>;
  failuresByVariant: Record<string, number>;
  failures: Failure[];
  firstFailure: { variant: string; seed: string } | null;
  /** Every run's decision hash, for invariance checks across jobs and shards. */
  hashes: { variant: string; seed: string; hash: string; outcome: string }[];
  steps: number;
  /** Kept only with keepRuns. */
  allRuns?: RunResult[];
}

export interface Resolved {
  target: Target;
  targetRef: string;
  variants: string[];
  strategy: Required<StrategySpec>;
  options: RunOptions;
  commandOptions: CommandOptions;
}

/** Turns user-facing options into what execute() needs; every bad input is a UsageError. */
export async function resolveExplore(o: Omit<ExploreOptions, 'seeds'>): Promise<Resolved> {
  const loaded = typeof o.target === 'string' ? await loadTarget(o.target) : { target: o.target, ref: o.target.name };
  const target = loaded.target;
  const variants = o.variant === undefined ? [...target.variants] : typeof o.variant === 'string' ? [o.variant] : [...o.variant];
  if (variants.length === 0) throw new UsageError('no variant to run');
  for (const v of variants) checkVariant(target, v);
  const spec: StrategySpec = typeof o.strategy === 'string' ? { name: o.strategy } : (o.strategy ?? { name: 'random' });
  makeStrategy(spec);
  const faults = resolveFaultOption(o.faults, o.faultRates, target);
  const durationMs = positive('duration', o.durationMs ?? target.defaults?.durationMs ?? DEFAULT_OPTIONS.durationMs);
  const maxSteps = positive('max-steps', o.maxSteps ?? target.defaults?.maxSteps ?? DEFAULT_OPTIONS.maxSteps);
  const userIgnore = [...(o.ignore ?? [])];
  const ignore = new Set([...(target.ignore ?? []), ...userIgnore]);
  const options: RunOptions = {
    ...DEFAULT_OPTIONS,
    durationMs,
    maxSteps,
    faults,
    ignore,
    traceWindow: o.traceWindow ?? DEFAULT_OPTIONS.traceWindow,
  };
  return {
    target,
    targetRef: loaded.ref,
    variants,
    strategy: { name: spec.name, params: { ...(spec.params ?? {}) } },
    options,
    commandOptions: { durationMs, maxSteps, faults, ignore: userIgnore },
  };
}

function resolveFaultOption(
  f: ExploreOptions['faults'],
  rates: readonly string[] | undefined,
  target: Target,
): Record<string, number> {
  if (f !== undefined && !Array.isArray(f)) return { ...(f as Record<string, number>) };
  const names = (f as readonly string[] | undefined) ?? target.defaults?.faults ?? [];
  return resolveFaults(names, rates ?? []);
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`--${name} must be a positive number, got ${v}`);
  return v;
}

export function seedList(seeds: ExploreOptions['seeds']): string[] {
  if (typeof seeds === 'string') return parseSeeds(seeds);
  if (!Array.isArray(seeds) || seeds.length === 0) throw new UsageError('seeds: give a non-empty list or a spec like 1..100');
  return seeds.map((s) => {
    try {
      return canonicalSeed(s);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
}

/**
 * Runs every (variant, seed) pair and gathers what the CLI prints: violations by kind,
 * failures with their replay commands, every decision hash. The CLI is a thin layer over this.
 */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const r = await resolveExplore(o);
  const seeds = seedList(o.seeds);
  const out = emptyResult(r);
  const total = seeds.length * r.variants.length;
  let index = 0;
  for (const variant of r.variants) {
    for (const seed of seeds) {
      const res = await execute({ target: r.target, variant, seed, strategy: r.strategy, options: r.options });
      addResult(out, r, res, o.keepRuns === true);
      o.onResult?.(res, index++, total);
    }
  }
  return out;
}

export function emptyResult(r: Resolved): ExploreResult {
  const zero = (): Record<string, number> => Object.fromEntries(r.variants.map((v) => [v, 0]));
  return {
    target: r.target.name,
    targetRef: r.targetRef,
    variants: r.variants,
    strategy: r.strategy,
    options: r.commandOptions,
    runs: 0,
    violationsByKind: {},
    passesByVariant: zero(),
    failuresByVariant: zero(),
    failures: [],
    firstFailure: null,
    hashes: [],
    steps: 0,
  };
}

/** Folds one run into the campaign result; only failing runs keep their full result. */
export function addResult(out: ExploreResult, r: Resolved, res: RunResult, keep: boolean): void {
  out.runs++;
  out.steps += res.steps;
  out.hashes.push({ variant: res.variant, seed: res.seed, hash: res.decisionHash, outcome: outcomeOf(res) });
  if (keep) (out.allRuns ??= []).push(res);
  if (res.outcome === 'pass') {
    out.passesByVariant[res.variant] = (out.passesByVariant[res.variant] ?? 0) + 1;
    return;
  }
  out.failuresByVariant[res.variant] = (out.failuresByVariant[res.variant] ?? 0) + 1;
  const kinds = [...new Set(res.violations.map((v) => v.kind))];
  for (const k of kinds) out.violationsByKind[k] = (out.violationsByKind[k] ?? 0) + 1;
  out.firstFailure ??= { variant: res.variant, seed: res.seed };
  out.failures.push({
    variant: res.variant,
    seed: res.seed,
    kinds,
    decisionHash: res.decisionHash,
    replayCommand: replayCommand(r.targetRef, res.variant, res.seed, r.strategy, r.commandOptions),
    result: res,
  });
}

/** `pass` or `violation:<kind>` (the first violation's kind): how seeds/ entries state outcomes. */
export function outcomeOf(res: RunResult): string {
  return res.violations.length === 0 ? 'pass' : `violation:${res.violations[0]!.kind}`;
}

export interface ReplayOptions extends Omit<ExploreOptions, 'seeds' | 'variant' | 'onResult' | 'keepRuns'> {
  variant: string;
  seed: string | number;
  trace?: boolean;
}

/** Re-runs one seed exactly; with `trace`, keeps the whole timeline. */
export async function replay(o: ReplayOptions): Promise<RunResult & { replayCommand: string }> {
  const r = await resolveExplore(o);
  const [seed] = seedList([o.seed]);
  const options = { ...r.options, traceAll: o.trace === true };
  const res = await execute({ target: r.target, variant: o.variant, seed: seed!, strategy: r.strategy, options });
  return { ...res, replayCommand: replayCommand(r.targetRef, o.variant, seed!, r.strategy, r.commandOptions) };
}
