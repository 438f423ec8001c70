import { mergeWeatherStats } from '../faults/weather-stats.js';
import { existsSync, readFileSync } from 'node:fs';
import { copyFileAtomic, writeFileAtomic } from '../io/atomic.js';
import { join, resolve } from 'node:path';
import type { RunResult } from '../engine/execute.js';
import type { ExploreResult, Failure } from '../campaign/tally.js';
import { parseSeeds, SeedList, type SeedSeq } from '../campaign/seeds.js';
import { UsageError } from '../core/errors.js';
import { DEFAULT_MAX_FAILURES } from '../campaign/tally.js';
import { Distinct } from '../campaign/distinct.js';
import { StateSet } from '../cover/sketch.js';
import { summaryMarkdown } from './markdown.js';
import { HARNESS, type FailureEntry, type TargetSummary } from './write.js';
import { makeDirs } from '../io/dirs.js';
import type { SummaryMeta } from './markdown.js';
export type { FailureEntry, TargetSummary } from './write.js';

/** One failing seed as summary.json lists it (writeExploreReport). */
export interface SummaryFile extends SummaryMeta {
  harness: { name: string; version: string };
  /** Present when the run was one shard of a CI matrix (`--shard i/n`). */
  shard?: { index: number; count: number };
  targets: TargetSummary[];
}

export interface MergedReport {
  summary: SummaryFile & { mergedFrom: string[]; shards: number[] | null; missingShards: number[] | null };
  /** Failure files to copy, keyed by their path relative to the merged directory. */
  failureFiles: Map<string, string>;
  /** The merged counts in ExploreResult form, for summary.md and printSummary. */
  results: ExploreResult[];
}

/** Reads `<dir>/summary.json`; a missing or malformed one is a UsageError naming the dir. */
export function readSummary(dir: string): SummaryFile {
  const file = join(dir, 'summary.json');
  let s: SummaryFile;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as SummaryFile;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${firstLine(e)} (is ${dir} an interleave report directory?)`);
  }
  const ok = s !== null && typeof s === 'object' && s.harness?.name === HARNESS.name && Array.isArray(s.targets) &&
    s.targets.every((t) => typeof t?.target === 'string' && Array.isArray(t.failures) && typeof t.runs === 'number');
  if (!ok) throw new UsageError(`${file} is not an interleave run summary`);
  return s;
}

/**
 * Joins the reports of shard runs into one: counts summed, failures in the sequential order
 * (variant order, then seed order), as if one machine had run every seed. Reports of different
 * targets, strategies, options or harness versions, or reports that share a shard or a
 * failing seed, are refused: their sum would mean nothing.
 */
export function mergeReports(dirs: readonly string[]): MergedReport {
  if (dirs.length === 0) throw new UsageError('merge-reports needs at least one report directory');
  const abs = dirs.map((d) => resolve(d));
  const dup = abs.find((d, i) => abs.indexOf(d) !== i);
  if (dup !== undefined) throw new UsageError(`report directory ${dup} given twice`);
  const sums = dirs.map(readSummary);
  checkCompatible(dirs, sums);
  const shards = checkShards(dirs, sums);
  const first = sums[0]!;
  const rank = seedRank(first.seedSpec, sums);
  const failureFiles = new Map<string, string>();
  const targets = first.targets.map((_, k) => mergeTarget(dirs, sums.map((s) => s.targets[k]!), rank, failureFiles));
  // Every file to copy must be a failure report: a merge never passes on a damaged one.
  for (const from of failureFiles.values()) readFailure(from);
  const summary = {
    harness: first.harness,
    command: first.command,
    seedSpec: sums.every((s) => s.seedSpec === first.seedSpec) ? first.seedSpec : sums.map((s) => s.seedSpec).join(' + '),
    seedCount: sums.reduce((a, s) => a + s.seedCount, 0),
    // The slowest shard is what a CI matrix waited for.
    wallMs: Math.max(...sums.map((s) => s.wallMs)),
    startedAt: sums.map((s) => s.startedAt).sort()[0]!,
    mergedFrom: dirs.map(String),
    ...(sums.some((s) => s.interrupted === true) ? { interrupted: true } : {}),
    shards: shards === null ? null : shards.present,
    missingShards: shards === null ? null : shards.missing,
    targets,
  };
  return { summary, failureFiles, results: targets.map((t) => toResult(t, failureFiles)) };
}

function checkCompatible(dirs: readonly string[], sums: readonly SummaryFile[]): void {
  const key = (s: SummaryFile): string => JSON.stringify({
    version: s.harness.version,
    targets: s.targets.map((t) => [t.target, t.targetRef, t.variants, canonical(t.strategy), canonical(t.options)]),
  });
  const want = key(sums[0]!);
  sums.forEach((s, i) => {
    if (key(s) !== want) {
      throw new UsageError(
        `cannot merge ${dirs[i]} with ${dirs[0]}: they differ in harness version, target, variants, strategy or options ` +
          `(${describe(s)} vs ${describe(sums[0]!)})`,
      );
    }
  });
}

function describe(s: SummaryFile): string {
  return s.targets.map((t) => `${t.targetRef} [${t.variants.join(',')}] ${t.strategy.name} ${JSON.stringify(t.strategy.params)} ${JSON.stringify(t.options)}`).join('; ') + ` v${s.harness.version}`;
}

/** Key order must not make equal options look different. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
}

/** Shard metadata, when every report has it: same n, same seed spec, no shard twice. */
function checkShards(dirs: readonly string[], sums: readonly SummaryFile[]): { present: number[]; missing: number[] } | null {
  const withShard = sums.filter((s) => s.shard !== undefined).length;
  if (withShard === 0) return null;
  if (withShard !== sums.length) throw new UsageError('some reports are shards (--shard) and some are not: merge shards of one matrix only');
  const n = sums[0]!.shard!.count;
  const seen = new Map<number, string>();
  sums.forEach((s, i) => {
    if (s.shard!.count !== n) throw new UsageError(`${dirs[i]} is shard ${s.shard!.index}/${s.shard!.count}, but ${dirs[0]} is of ${n} shards`);
    if (s.seedSpec !== sums[0]!.seedSpec) throw new UsageError(`${dirs[i]} split seeds ${s.seedSpec}, but ${dirs[0]} split ${sums[0]!.seedSpec}`);
    const other = seen.get(s.shard!.index);
    if (other !== undefined) throw new UsageError(`shard ${s.shard!.index}/${n} given twice: ${other} and ${dirs[i]}`);
    seen.set(s.shard!.index, dirs[i]!);
  });
  const present = [...seen.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let i = 1; i <= n; i++) if (!seen.has(i)) missing.push(i);
  return { present, missing };
}

function mergeTarget(dirs: readonly string[], parts: readonly TargetSummary[], rank: (seed: string) => number, files: Map<string, string>): TargetSummary {
  const t0 = parts[0]!;
  const owner = new Map<string, string>();
  const failures: FailureEntry[] = [];
  parts.forEach((p, i) => {
    for (const f of p.failures) {
      const key = `${f.variant}\u0000${f.seed}`;
      const prev = owner.get(key);
      if (prev !== undefined) throw new UsageError(`${t0.target} ${f.variant} seed ${f.seed} failed in both ${prev} and ${dirs[i]}: overlapping reports would be counted twice`);
      owner.set(key, dirs[i]!);
      // A null file is a failure past --max-failure-files: listed, with no file to copy.
      if (f.file !== null) {
        if (typeof f.file !== 'string' || !/^failures[\\/][^\\/]+\.json$/.test(f.file)) throw new UsageError(`${dirs[i]}: failure file '${String(f.file)}' is not under failures/`);
        files.set(f.file, join(dirs[i]!, f.file));
      }
      failures.push(f);
    }
  });
  const vIndex = new Map(t0.variants.map((v, i) => [v, i]));
  // The campaign's own order: seed-major, then variant.
  failures.sort((a, b) => compareSeeds(a.seed, b.seed, rank) || (vIndex.get(a.variant) ?? 0) - (vIndex.get(b.variant) ?? 0));
  const cap = Math.min(...parts.map((p) => p.maxFailureFiles ?? Infinity));
  recap(failures, cap, files);
  const truncated = parts.some((p) => p.failuresTruncated === true) || failures.length > DEFAULT_MAX_FAILURES;
  if (failures.length > DEFAULT_MAX_FAILURES) failures.length = DEFAULT_MAX_FAILURES;
  const out: TargetSummary = {
    target: t0.target, targetRef: t0.targetRef, variants: t0.variants, strategy: t0.strategy, options: t0.options,
    runs: sum(parts.map((p) => p.runs)),
    steps: sum(parts.map((p) => p.steps)),
    violationsByKind: orderedKinds(sumRecords(parts.map((p) => p.violationsByKind)), failures),
    violationsByVariant: Object.fromEntries(t0.variants
      .map((v) => [v, sumRecords(parts.map((p) => p.violationsByVariant?.[v] ?? {}))] as const)
      .filter(([, by]) => Object.keys(by).length > 0)),
    passesByVariant: sumRecords(parts.map((p) => p.passesByVariant), t0.variants),
    failuresByVariant: sumRecords(parts.map((p) => p.failuresByVariant), t0.variants),
    firstFailure: failures.length > 0 ? { variant: failures[0]!.variant, seed: failures[0]!.seed } : null,
    failures,
    ...(truncated ? { failuresTruncated: true } : {}),
    ...(Number.isFinite(cap) ? { maxFailureFiles: cap } : {}),
  };
  if (parts.every((p) => p.stats !== undefined)) {
    const stats = parts.map((p) => p.stats!);
    const d = Distinct.fromSketches(stats.map((x) => x.distinctSketch)).count();
    out.stats = {
      seeds: sum(stats.map((x) => x.seeds)), steps: sum(stats.map((x) => x.steps)), virtualMs: sum(stats.map((x) => x.virtualMs)),
      distinctSchedules: d.value, distinctEstimated: d.estimated,
      distinctSketch: Distinct.fromSketches(stats.map((x) => x.distinctSketch)).sketch(),
      faultsByKind: sumRecords(stats.map((x) => x.faultsByKind)), violationsByKind: out.violationsByKind,
    };
    if (stats.every((x) => x.statesSketch !== undefined)) {
      // A union of the shards' states (or of their registers), never a sum of their counts.
      const states = StateSet.fromSketches(stats.map((x) => x.statesSketch!));
      const c = states.count();
      Object.assign(out.stats, { distinctStates: c.value, statesEstimated: c.estimated, statesSketch: states.sketch() });
    }
  }
  if (parts.some((p) => p.weatherStats !== undefined)) out.weatherStats = mergeWeatherStats(parts.map((p) => p.weatherStats));
  if (parts.some((p) => p.maxTasks !== undefined)) out.maxTasks = Math.max(0, ...parts.map((p) => p.maxTasks ?? 0));
  if (parts.some((p) => p.runsBeyondK !== undefined)) out.runsBeyondK = sum(parts.map((p) => p.runsBeyondK ?? 0));
  if (parts.some((p) => p.runsBeyondKByVariant !== undefined)) {
    const by: Record<string, number> = {};
    for (const p of parts) for (const [v, n] of Object.entries(p.runsBeyondKByVariant ?? {})) by[v] = (by[v] ?? 0) + n;
    out.runsBeyondKByVariant = by;
  }
  return out;
}

/**
 * Position of a seed in the list the shards split, so failures come out in the order one
 * sequential run lists them; NaN when the spec cannot be re-read (random:N without @S), and seeds then
 * compare numerically when they are numbers.
 */
function seedRank(spec: string, sums: readonly SummaryFile[]): (seed: string) => number {
  const none = (): number => NaN;
  if (!sums.every((s) => s.seedSpec === spec)) return none;
  const range = /^\s*(\d+)\.\.(\d+)\s*$/.exec(spec);
  if (range) return (seed) => (/^\d+$/.test(seed) ? Number(seed) - Number(range[1]) : NaN);
  let list: SeedSeq;
  try {
    list = parseSeeds(spec);
  } catch {
    return none;
  }
  // A typed list is short; random:N@S's positions are found by reading the list once, up to a bound.
  if (!(list instanceof SeedList) && list.length > MAX_RANK_SCAN) return none;
  const pos = new Map<string, number>();
  for (let i = 0; i < list.length; i++) if (!pos.has(list.at(i)!)) pos.set(list.at(i)!, i);
  return (seed) => pos.get(seed) ?? NaN;
}

/** random:N@S shards up to this many seeds merge in one run's order; past it, numerically. */
const MAX_RANK_SCAN = 100_000;

function compareSeeds(a: string, b: string, rank: (seed: string) => number): number {
  const ra = rank(a);
  const rb = rank(b);
  if (!Number.isNaN(ra) && !Number.isNaN(rb)) return ra - rb;
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0);
}

/**
 * Each shard kept files for its own first failures of each (variant, kind); one run over every
 * seed keeps only the first `cap` in the merged order. Those are within each shard's own first
 * `cap`, so they have files; the others are listed without one, as that run would list them.
 */
function recap(failures: FailureEntry[], cap: number, files: Map<string, string>): void {
  if (!Number.isFinite(cap)) return;
  const seen = new Map<string, number>();
  failures.forEach((f, k) => {
    if (f.file === null) return;
    const key = `${f.variant}\u0000${f.kinds[0]}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n < cap) return;
    files.delete(f.file);
    failures[k] = { ...f, file: null };
  });
}

function sumRecords(rs: readonly Record<string, number>[], order: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(order.map((k) => [k, 0]));
  for (const r of rs) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Kinds in the order a sequential run first met them (its failures' order). */
function orderedKinds(counts: Record<string, number>, failures: readonly FailureEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of failures) for (const k of f.kinds) if (k in counts) out[k] = counts[k]!;
  for (const [k, v] of Object.entries(counts)) out[k] ??= v;
  return out;
}

/** A summary from before `first` was listed quotes its failure file's first violation instead. */
function toResult(t: TargetSummary, files: ReadonlyMap<string, string>): ExploreResult {
  const failures: Failure[] = t.failures.map((f) => {
    if (f.first !== undefined) return { ...f };
    if (f.file === null) throw new UsageError(`${t.target} ${f.variant} seed ${f.seed}: the summary lists neither its first violation nor a failure file`);
    const r = readFailure(files.get(f.file)!);
    const v = r.violations[0]!;
    return { ...f, first: { kind: v.kind, step: v.step, timeMs: v.timeMs, actors: v.actors, message: v.message }, ...(r.weather !== undefined ? { weather: r.weather } : {}) };
  });
  return {
    target: t.target, targetRef: t.targetRef, variants: t.variants, strategy: t.strategy,
    strategyByVariant: t.strategyByVariant ?? Object.fromEntries(t.variants.map((v) => [v, t.strategy])), options: t.options,
    runs: t.runs, steps: t.steps, violationsByKind: t.violationsByKind, violationsByVariant: t.violationsByVariant ?? {}, passesByVariant: t.passesByVariant,
    failuresByVariant: t.failuresByVariant, firstFailure: t.firstFailure, failures, hashes: [],
    maxTasks: t.maxTasks ?? 0, runsBeyondK: t.runsBeyondK ?? 0, runsBeyondKByVariant: t.runsBeyondKByVariant ?? {},
    weatherStats: t.weatherStats ?? {},
    maxFailureFiles: t.maxFailureFiles ?? DEFAULT_MAX_FAILURES,
    virtualMs: t.stats?.virtualMs ?? 0,
    faultsByKind: t.stats?.faultsByKind ?? {},
    distinct: t.stats !== undefined ? Distinct.fromSketches([t.stats.distinctSketch]) : new Distinct(),
    states: t.stats?.statesSketch !== undefined ? StateSet.fromSketches([t.stats.statesSketch]) : new StateSet(),
    ...(t.failuresTruncated === true ? { failuresTruncated: true } : {}),
  };
}

function readFailure(file: string): RunResult {
  let r: Partial<RunResult>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunResult>;
  } catch (e) {
    throw new UsageError(`cannot read failure file ${file}: ${firstLine(e)}`);
  }
  if (!Array.isArray(r.violations) || r.violations.length === 0) throw new UsageError(`${file} is not a failure report (no violations)`);
  return { ignored: {}, tasks: 0, decisions: [], faultLog: [], traceWindow: [], ...r, outcome: 'violation' } as RunResult;
}

/** Writes summary.json, summary.md and the failure files into `out`; returns the files written. */
export function writeMergedReport(out: string, merged: MergedReport, command: string): string[] {
  const summaryFile = join(out, 'summary.json');
  if (existsSync(summaryFile)) throw new UsageError(`${out} already holds a report: merge into a new directory`);
  makeDirs(out);
  const files: string[] = [summaryFile, join(out, 'summary.md')];
  for (const [rel, from] of merged.failureFiles) {
    makeDirs(join(out, 'failures'));
    copyFileAtomic(from, join(out, rel));
    files.push(join(out, rel));
  }
  const summary = { schemaVersion: 1, ...merged.summary, command };
  writeFileAtomic(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  writeFileAtomic(join(out, 'summary.md'), mergedMarkdown(merged, command));
  return files;
}

function mergedMarkdown(merged: MergedReport, command: string): string {
  const s = merged.summary;
  const md = summaryMarkdown(merged.results, { ...s, command });
  const lines = [`- merged from: ${s.mergedFrom.map((d) => `\`${d}\``).join(', ')}`];
  if (s.shards !== null) lines.push(`- shards: ${s.shards.join(', ')} of ${s.shards.length + s.missingShards!.length}`);
  if (s.missingShards !== null && s.missingShards.length > 0) lines.push(`- **missing shards: ${s.missingShards.join(', ')}**: these counts cover part of the seeds`);
  // After the heading's list, before the table.
  return md.replace(/\n\n\| target/, `\n${lines.join('\n')}\n\n| target`);
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0] ?? s;
}
