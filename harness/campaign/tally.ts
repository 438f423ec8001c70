import type { RunResult } from '../engine/execute.js';
import { pctMissProbability } from '../strategies/pct.js';
import type { StrategySpec } from '../strategies/index.js';
import { weatherFeatures, type Weather } from '../faults/weather.js';
import type { CommandOptions } from '../replay/command.js';
import type { WeatherStats } from '../faults/weather-stats.js';
import type { Distinct } from './distinct.js';
import type { StateSet } from '../cover/sketch.js';

/**
 * A campaign's result is a fold over one small record per seed, the `SeedEntry`, and nothing
 * else: the live run folds each entry as its seed finishes, and `--resume` folds the entries it
 * reads back from the journal, so both give the same summary. Memory is the fold's, not the
 * seeds': counts, and a bounded list of failures.
 */

/** The first violation of a failing run, as summaries print it. */
export interface ViolationBrief {
  kind: string;
  step: number;
  timeMs: number;
  actors: string[];
  message: string;
}

/** One finished seed: a line of journal.jsonl. Short keys: a million of them are written. */
export interface SeedEntry {
  /** Position in the campaign's order. */
  i: number;
  /** Variant. */
  v: string;
  /** Seed. */
  s: string;
  /** Decision hash. */
  h: string;
  /** Steps. */
  n: number;
  /** Tasks spawned. */
  t: number;
  /** Virtual ms the run simulated. */
  m?: number;
  /** Faults injected, by kind (absent when none). */
  q?: Record<string, number>;
  /** The seed's weather features (weather-stats), when it drew weather. */
  w?: string[];
  /** Failing runs: every violation kind, in order of first appearance. */
  k?: string[];
  /** Failing runs: the first violation. */
  f?: ViolationBrief;
  /** Failing runs: the whole weather, for the report. */
  x?: Weather;
  /** Failing runs: the failure file, relative to the report directory; null past the cap. */
  file?: string | null;
  /** Abstract states this seed added to the campaign's (the fold in order rebuilds the set). */
  c?: number[];
}

export interface Failure {
  variant: string;
  seed: string;
  kinds: string[];
  decisionHash: string;
  replayCommand: string;
  /** The first violation. */
  first: ViolationBrief;
  weather?: Weather;
  /** `failures/<target>-<variant>-<seed>.json`, or null past `maxFailureFiles` for its (variant, first kind). */
  file: string | null;
  /** The whole run, kept for the failures that get a file (absent for those read back by --resume). */
  result?: RunResult;
}

export interface ExploreResult {
  target: string;
  /** What the replay commands name: a bundled name or the path the user gave. */
  targetRef: string;
  variants: string[];
  /** The campaign's strategy (`auto` resolved: a portfolio or random). */
  strategy: Required<StrategySpec>;
  /** Per variant, with the bounds the pilot fitted (campaign/fit.ts). */
  strategyByVariant: Record<string, Required<StrategySpec>>;
  options: CommandOptions;
  runs: number;
  violationsByKind: Record<string, number>;
  /** Per variant: failing runs by violation kind (a run counts once for each kind it shows). */
  violationsByVariant: Record<string, Record<string, number>>;
  /** Runs with no violation, per variant. */
  passesByVariant: Record<string, number>;
  failuresByVariant: Record<string, number>;
  /** The failing seeds in the campaign's order, up to `maxFailures` (then failuresTruncated). */
  failures: Failure[];
  /** More seeds failed than `failures` holds; the counts still cover them all. */
  failuresTruncated?: boolean;
  /** Failures per (variant, first kind) that got a file (merge-reports applies it again). */
  maxFailureFiles: number;
  firstFailure: { variant: string; seed: string } | null;
  /** Every run's decision hash, with `hashes: true` only (invariance checks across jobs and shards). */
  hashes: { variant: string; seed: string; hash: string; outcome: string }[];
  steps: number;
  /** Largest number of tasks a run spawned (the n of the PCT bound). */
  maxTasks: number;
  /** Runs whose steps exceeded the PCT step bound k (the bound says nothing about them). */
  runsBeyondK: number;
  runsBeyondKByVariant: Record<string, number>;
  /** Per variant, per weather feature: how many runs drew it and how many of those failed. */
  weatherStats: WeatherStats;
  /** Virtual time simulated by every run together, ms. */
  virtualMs: number;
  /** Faults injected by every run together, by kind. */
  faultsByKind: Record<string, number>;
  /** Distinct schedules (decision hashes) among the runs: exact while few, then a sketch. */
  distinct: Distinct;
  /** Distinct abstract states over the runs (cover/): a set while it fits, then a sketch. */
  states: StateSet;
  /** Set when shouldStop ended the campaign before every seed ran. */
  interrupted?: boolean;
  /** Set when a budget was given (untilFail, stopDrawing): the seeds the result covers, a prefix
   * of the list, and what ended it before the list's end (null: the list ran out first). */
  budget?: { seeds: number; lastSeed: string | null; stoppedBy: 'failure' | 'time' | null };
  /** Kept only with keepRuns. */
  allRuns?: RunResult[];
  /** `--strategy guided`: the corpus at the end (entries kept, read from --guide-dir, every
   * abstract state reached) and the guide file written, if any. */
  guide?: { entries: number; loaded: number; statesSeen: number; file: string | null };
}

export interface TallyLimits {
  /** Keep every run's hash. */
  hashes: boolean;
  /** Failures listed (default 10,000). */
  maxFailures: number;
  /** Failure files (and whole results) per (variant, first kind) (default 50). */
  maxFailureFiles: number;
}

export const DEFAULT_MAX_FAILURES = 10_000;
export const DEFAULT_MAX_FAILURE_FILES = 50;

/** The entry of a finished run; `file` is decided by the tally (it knows the caps). */
export function entryOf(res: RunResult, i: number): SeedEntry {
  const e: SeedEntry = { i, v: res.variant, s: res.seed, h: res.decisionHash, n: res.steps, t: res.tasks, m: res.timeMs };
  if (res.faultLog.length > 0) {
    const q: Record<string, number> = {};
    // The weather entry records what the seed drew and `quiet` when faults stopped: not faults.
    for (const f of res.faultLog) if (f.fault !== 'weather' && f.fault !== 'quiet') q[f.fault] = (q[f.fault] ?? 0) + 1;
    if (Object.keys(q).length > 0) e.q = q;
  }
  if (res.weather !== undefined) e.w = weatherFeatures(res.weather);
  if (res.cover !== undefined && res.cover.length > 0) e.c = res.cover;
  if (res.outcome === 'pass') return e;
  e.k = [...new Set(res.violations.map((v) => v.kind))];
  const v = res.violations[0]!;
  e.f = { kind: v.kind, step: v.step, timeMs: v.timeMs, actors: [...v.actors], message: v.message };
  if (res.weather !== undefined) e.x = res.weather;
  return e;
}

export function failureFileName(target: string, variant: string, seed: string): string {
  return `failures/${safe(target)}-${safe(variant)}-${safe(seed)}.json`;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
}

/**
 * Folds entries in the campaign's order. Failure files are handed out here, first come first
 * served per (variant, first kind), so a resumed campaign names the same files.
 */
export class Tally {
  private readonly filesByKey = new Map<string, number>();

  constructor(
    readonly out: ExploreResult,
    private readonly limits: TallyLimits,
    private readonly replay: (variant: string, seed: string, file: string | null | undefined) => string,
    /** The concrete strategy of a seed (a portfolio's member): its k bounds the PCT guarantee. */
    private readonly strategyOf?: (variant: string, seed: string) => Required<StrategySpec>,
  ) {
    out.maxFailureFiles = limits.maxFailureFiles;
  }

  /** Sets `e.file` for a failing entry that is new (not read back from a journal). */
  assignFile(e: SeedEntry): void {
    if (e.k === undefined || e.file !== undefined) return;
    const key = `${e.v}\u0000${e.k[0]}`;
    const n = this.filesByKey.get(key) ?? 0;
    if (n < this.limits.maxFailureFiles) {
      this.filesByKey.set(key, n + 1);
      e.file = failureFileName(this.out.target, e.v, e.s);
    } else {
      e.file = null;
    }
  }

  /** A resumed failure's file counts against its cap as it did the first time. */
  private countFile(variant: string, kind: string): void {
    const key = `${variant}\u0000${kind}`;
    this.filesByKey.set(key, (this.filesByKey.get(key) ?? 0) + 1);
  }

  /** Adds one seed; `res` is the run itself when it ran in this process. */
  add(e: SeedEntry, res: RunResult | undefined, keepRun: boolean): Failure | null {
    const out = this.out;
    if (e.k !== undefined && e.file === undefined) this.assignFile(e);
    else if (e.k !== undefined && typeof e.file === 'string') this.countFile(e.v, e.k[0]!);
    out.runs++;
    out.steps += e.n;
    out.virtualMs += e.m ?? 0;
    for (const [kind, n] of Object.entries(e.q ?? {})) out.faultsByKind[kind] = (out.faultsByKind[kind] ?? 0) + n;
    out.distinct.add(e.h);
    if (e.c !== undefined) {
      // The journal keeps only what was new here: read back in order, it rebuilds the same set.
      const novel = out.states.addAll(e.c);
      if (novel.length > 0) e.c = novel;
      else delete e.c;
    }
    out.maxTasks = Math.max(out.maxTasks, e.t);
    const s = this.strategyOf?.(e.v, e.s);
    const k = s !== undefined && s.name === 'pct' ? s.params['k'] : undefined;
    if (typeof k === 'number' && e.n > k) {
      out.runsBeyondK++;
      out.runsBeyondKByVariant[e.v] = (out.runsBeyondKByVariant[e.v] ?? 0) + 1;
    }
    if (this.limits.hashes) out.hashes.push({ variant: e.v, seed: e.s, hash: e.h, outcome: e.f === undefined ? 'pass' : `violation:${e.f.kind}` });
    if (keepRun && res !== undefined) (out.allRuns ??= []).push(res);
    if (e.w !== undefined) countFeatures(out.weatherStats, e.v, e.w, e.k !== undefined);
    if (e.k === undefined) {
      out.passesByVariant[e.v] = (out.passesByVariant[e.v] ?? 0) + 1;
      return null;
    }
    out.failuresByVariant[e.v] = (out.failuresByVariant[e.v] ?? 0) + 1;
    const byVariant = (out.violationsByVariant[e.v] ??= {});
    for (const kind of e.k) {
      out.violationsByKind[kind] = (out.violationsByKind[kind] ?? 0) + 1;
      byVariant[kind] = (byVariant[kind] ?? 0) + 1;
    }
    out.firstFailure ??= { variant: e.v, seed: e.s };
    const f: Failure = { variant: e.v, seed: e.s, kinds: e.k, decisionHash: e.h, replayCommand: this.replay(e.v, e.s, e.file), first: e.f!, file: e.file ?? null };
    if (e.x !== undefined) f.weather = e.x;
    if (res !== undefined && e.file !== null) f.result = res;
    if (out.failures.length < this.limits.maxFailures) out.failures.push(f);
    else out.failuresTruncated = true;
    return f;
  }
}

function countFeatures(stats: WeatherStats, variant: string, features: readonly string[], failed: boolean): void {
  const by = (stats[variant] ??= {});
  for (const f of features) {
    const c = (by[f] ??= { drawn: 0, failed: 0 });
    c.drawn++;
    if (failed) c.failed++;
  }
}

/**
 * What a PCT campaign bought: for n tasks, step bound k and depth d, the chance that a depth-d
 * bug reachable within k steps was missed by every run that stayed within k steps.
 */
export function pctGuarantee(out: ExploreResult): { n: number; k: number; depth: number; runsWithinK: number; runsBeyondK: number; missProbability: number } | null {
  if (out.strategy.name !== 'pct' || out.maxTasks < 1) return null;
  // k is fitted per variant: the bound is stated for the largest, the weakest.
  const specs = out.variants.map((v) => out.strategyByVariant[v] ?? out.strategy);
  const k = Math.max(...specs.map((s) => Number(s.params['k'])));
  const depth = Number(specs[0]!.params['depth']);
  if (!Number.isFinite(k) || !Number.isFinite(depth)) return null;
  // A bug lives in one variant: only that variant's runs count towards finding it, so the
  // bound is stated for the variant with the fewest runs within k.
  const within = Math.min(...out.variants.map((v) =>
    (out.passesByVariant[v] ?? 0) + (out.failuresByVariant[v] ?? 0) - (out.runsBeyondKByVariant[v] ?? 0)));
  return { n: out.maxTasks, k, depth, runsWithinK: within, runsBeyondK: out.runsBeyondK, missProbability: pctMissProbability(out.maxTasks, k, depth, within) };
}
