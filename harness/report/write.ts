import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../engine/execute.js';
import type { CommandOptions } from '../replay/command.js';
import { pctGuarantee, type ExploreResult, type Failure, type ViolationBrief } from '../campaign/tally.js';
import type { Weather } from '../faults/weather.js';
import type { DistinctSketch } from '../campaign/distinct.js';
import type { StatesSketch } from '../cover/sketch.js';
import { writeFileAtomic } from '../io/atomic.js';
import { makeDirs } from '../io/dirs.js';
import { writeScheduleFile } from '../replay/schedule-file.js';
import { scheduleFileOf } from '../campaign/guide.js';
import type { StrategySpec } from '../strategies/index.js';
import { HARNESS_VERSION } from '../version.js';
import { summaryMarkdown, type SummaryMeta } from './markdown.js';
import { sortStats, type WeatherStats } from '../faults/weather-stats.js';

/** One failing seed as summary.json lists it; merge-reports reads the same shape back. */
export interface FailureEntry {
  variant: string;
  seed: string;
  kinds: string[];
  decisionHash: string;
  replayCommand: string;
  /** The first violation, as the summaries print it. */
  first: ViolationBrief;
  weather?: Weather;
  /** Relative to the report directory: failures/<target>-<variant>-<seed>.json; null past
   * --max-failure-files for its (variant, kind): replay the seed to see it. */
  file: string | null;
}

export interface TargetSummary {
  target: string;
  targetRef: string;
  variants: string[];
  strategy: Required<StrategySpec>;
  /** Per variant, with fitted bounds (absent in summaries written before fitting existed). */
  strategyByVariant?: Record<string, Required<StrategySpec>>;
  options: CommandOptions;
  runs: number;
  steps: number;
  violationsByKind: Record<string, number>;
  /** Per variant: failing runs by kind (absent in summaries written before it was added). */
  violationsByVariant?: Record<string, Record<string, number>>;
  passesByVariant: Record<string, number>;
  failuresByVariant: Record<string, number>;
  firstFailure: { variant: string; seed: string } | null;
  failures: FailureEntry[];
  /** More seeds failed than `failures` lists (the counts cover them all). */
  failuresTruncated?: boolean;
  /** Failure files per (variant, first kind) this report kept at most. */
  maxFailureFiles?: number;
  /** What the runs covered (absent in summaries written before it was added). */
  stats?: TargetStats;
  /** PCT bound inputs, when the report carries them: merged as max and sum. */
  maxTasks?: number;
  runsBeyondK?: number;
  runsBeyondKByVariant?: Record<string, number>;
  /** Per variant, per weather feature: runs that drew it, and how many of them failed. */
  weatherStats?: WeatherStats;
}

export interface TargetStats {
  seeds: number;
  steps: number;
  /** Virtual time simulated by all runs, ms. */
  virtualMs: number;
  /** Distinct decision hashes: exact up to 65,536, then estimated (HyperLogLog, about 1.6%). */
  distinctSchedules: number;
  distinctEstimated: boolean;
  /** The sketch merge-reports unions across shards. */
  distinctSketch: DistinctSketch;
  /** Distinct abstract states over the seeds (cover/): exact up to 65,536, then estimated.
   * Absent in reports written before coverage existed. */
  distinctStates?: number;
  statesEstimated?: boolean;
  /** What merge-reports unions: the states while few, and HyperLogLog registers. */
  statesSketch?: StatesSketch;
  faultsByKind: Record<string, number>;
  violationsByKind: Record<string, number>;
}

export function targetStats(r: ExploreResult): TargetStats {
  const d = r.distinct.count();
  const c = r.states.count();
  return {
    seeds: r.runs, steps: r.steps, virtualMs: r.virtualMs,
    distinctSchedules: d.value, distinctEstimated: d.estimated, distinctSketch: r.distinct.sketch(),
    distinctStates: c.value, statesEstimated: c.estimated, statesSketch: r.states.sketch(),
    faultsByKind: { ...r.faultsByKind }, violationsByKind: { ...r.violationsByKind },
  };
}

export const HARNESS = { name: 'interleave', version: HARNESS_VERSION } as const;




export function failureReport(res: RunResult, targetRef: string, replayCommand: string): object {
  return {
    schemaVersion: 1,
    harness: HARNESS,
    target: res.target,
    targetRef,
    variant: res.variant,
    seed: res.seed,
    strategy: res.strategy,
    outcome: res.violations.length ? `violation:${res.violations[0]!.kind}` : 'pass',
    end: res.end,
    violations: res.violations,
    decisionHash: res.decisionHash,
    steps: res.steps,
    timeMs: res.timeMs,
    ...(res.weather !== undefined ? { weather: res.weather } : {}),
    ...(res.workload !== undefined ? { workload: res.workload } : {}),
    faultLog: res.faultLog,
    traceWindow: res.traceWindow,
    replayCommand,
  };
}


/** Writes summary.json, summary.md and one JSON per failing seed; returns the files written. */
export function writeExploreReport(dir: string, results: readonly ExploreResult[], meta: SummaryMeta): string[] {
  const files: string[] = [];
  const summaries = results.map((r): TargetSummary => {
    const failures = r.failures.map((f) => {
      // A failure file is written when its seed finishes (writeFailureFile); these are the runs
      // of an API caller that streamed nothing.
      if (f.file !== null && f.result !== undefined && !existsSync(join(dir, f.file))) files.push(writeFailureFile(dir, f, r.targetRef));
      const entry: FailureEntry = { variant: f.variant, seed: f.seed, kinds: f.kinds, decisionHash: f.decisionHash, replayCommand: f.replayCommand, first: f.first, ...(f.weather !== undefined ? { weather: f.weather } : {}), file: f.file };
      return entry;
    });
    return {
      target: r.target, targetRef: r.targetRef, variants: r.variants, strategy: r.strategy, strategyByVariant: r.strategyByVariant, options: r.options,
      runs: r.runs, steps: r.steps, violationsByKind: r.violationsByKind, violationsByVariant: r.violationsByVariant,
      passesByVariant: r.passesByVariant, failuresByVariant: r.failuresByVariant,
      firstFailure: r.firstFailure, failures, ...(r.failuresTruncated === true ? { failuresTruncated: true } : {}),
      maxFailureFiles: r.maxFailureFiles,
      stats: targetStats(r),
      maxTasks: r.maxTasks, runsBeyondK: r.runsBeyondK, runsBeyondKByVariant: r.runsBeyondKByVariant,
      ...(Object.keys(r.weatherStats).length > 0 ? { weatherStats: sortStats(r.weatherStats) } : {}),
      ...(pctGuarantee(r) !== null ? { pctGuarantee: pctGuarantee(r) } : {}),
    };
  });
  const runs = results.reduce((a, r) => a + r.runs, 0);
  const summary = { schemaVersion: 1, harness: HARNESS, ...meta, seedsPerSec: meta.wallMs > 0 ? Math.round((runs / meta.wallMs) * 1000 * 10) / 10 : 0, targets: summaries };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileAtomic(join(dir, 'summary.md'), summaryMarkdown(results, meta));
  files.unshift(join(dir, 'summary.json'), join(dir, 'summary.md'));
  return files;
}

/** Writes one failure's file (its path is decided by the tally); returns the path written. */
export function writeFailureFile(dir: string, f: Failure, targetRef: string): string {
  if (f.file === null || f.result === undefined) throw new Error(`failure ${f.variant} seed ${f.seed} has no file to write`);
  makeDirs(join(dir, 'failures'));
  const path = join(dir, f.file);
  writeFileAtomic(path, JSON.stringify(failureReport(f.result, targetRef, f.replayCommand), null, 2) + '\n');
  // A guided run is not reproducible from its seed: its schedule file, beside it, is how it replays.
  if (f.result.schedule !== undefined) writeScheduleFile(join(dir, scheduleFileOf(f.file)), f.result.schedule);
  return path;
}
