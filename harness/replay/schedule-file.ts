import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { looksLikePath } from '../target/load.js';
import { fromRoot, locateTarget, type TargetClues } from './target-ref.js';
import { DEFAULT_OPTIONS, type RunResult } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import { UsageError } from '../core/errors.js';
import type { StrategyParams } from '../strategies/index.js';
import type { Decision } from '../strategies/replay.js';
import { decisionLimit, decodeDecisions, encodeDecisions } from './encoding.js';
import { outcomeOf } from './run-decisions.js';
import { signatureOf } from '../core/signature.js';
import { weatherError } from '../faults/weather.js';
import { commandOptions, toRunOptions, type CommandOptions } from './command.js';
import { ENGINE_VERSION } from '../version.js';

/** The run options a schedule needs to replay: the ones that change what a run does. */
export type ScheduleOptions = CommandOptions;

/**
 * A saved run: everything `interleave replay --schedule` needs to reproduce it exactly, and what
 * the regression corpus checks it against. `decisions` uses the encoding in encoding.ts.
 */
export interface ScheduleFile {
  format: 'interleave-schedule';
  version: 1;
  /**
   * The engine that recorded it (version.ts): what its seed meant. The decisions replay under any
   * engine, but its seed draws another run under another one, so `regress` reports an entry of
   * an older engine as `stale (engine N)`. Absent in files written under engine 1.
   */
  engine?: number;
  /** A bundled target name or a path to a target file, as the command line takes it (in a
   * file: relative to the file's folder; in memory: absolute). */
  target: string;
  /** A target file's path from its project root (target-ref.ts), so a moved schedule finds it. */
  targetFromRoot?: string;
  variant: string;
  /** The strategy that found the run: a stale schedule is re-run from its seed with it. */
  strategy: { name: string; params: Record<string, string | number | boolean> };
  options: ScheduleOptions;
  seed: string;
  decisions: string;
  /** `pass` or `violation:<kind>` (the first violation's kind). */
  expect: string;
  /**
   * The first violation's signature (core/signature.ts): regress holds the entry to it, so a run
   * that now fails another way of the same kind is `changed`. Absent in a passing entry and in
   * files written before signatures, which are held to their kind alone; ignored beside `pass`.
   */
  signature?: string;
  decisionHash: string;
  steps: number;
  /** Free text: why this entry is in the corpus. */
  note?: string;
}

export const SCHEDULE_FORMAT = 'interleave-schedule';

export interface MakeScheduleInput {
  targetRef: string;
  result: RunResult;
  options: RunOptions;
  note?: string;
}

/** The schedule of a finished run: its own decisions, outcome and hash. */
export function makeSchedule(input: MakeScheduleInput): ScheduleFile {
  const r = input.result;
  const s: ScheduleFile = {
    format: SCHEDULE_FORMAT,
    version: 1,
    engine: ENGINE_VERSION,
    target: looksLikePath(input.targetRef) ? resolve(input.targetRef) : input.targetRef,
    variant: r.variant,
    strategy: { name: r.strategy.name, params: { ...r.strategy.params } },
    options: scheduleOptions(appliedOptions(input.options, r)),
    seed: r.seed,
    decisions: encodeDecisions(r.decisions),
    expect: outcomeOf(r),
    ...(r.violations[0] !== undefined ? { signature: signatureOf(r.violations[0]) } : {}),
    decisionHash: r.decisionHash,
    steps: r.steps,
  };
  if (input.note !== undefined) s.note = input.note;
  return s;
}

/** A thread-only run drew a network weather it never used: keep only what applied. */
function appliedOptions(o: RunOptions, r: RunResult): RunOptions {
  if (o.weather === undefined || r.weather !== undefined) return o;
  const { weather: _unused, ...rest } = o;
  return { ...rest, faults: {}, net: {} };
}

export function scheduleOptions(o: RunOptions): ScheduleOptions {
  return commandOptions(o);
}

/** The RunOptions a schedule replays under; trace settings come from `base`. */
export function scheduleRunOptions(s: ScheduleFile, base: RunOptions = DEFAULT_OPTIONS): RunOptions {
  return toRunOptions(s.options, base);
}

/** A schedule replays under its own options, so a longer decision list is fixed in the file. */
const RAISE_IN_FILE = `raise 'options.maxSteps' in the file`;

/** The engine a schedule was recorded under (a file without the field predates it: engine 1). */
export function scheduleEngine(s: ScheduleFile): number {
  return s.engine ?? 1;
}

/** A schedule's decisions, bounded by its own step budget (what its run could have made). */
export function scheduleDecisions(s: ScheduleFile): Decision[] {
  return decodeDecisions(s.decisions, decisionLimit(s.options.maxSteps), RAISE_IN_FILE);
}

/** Stable JSON: two-space indent, fixed key order, a final newline (diffs well in seeds/). */
export function formatSchedule(s: ScheduleFile): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** Reads a schedule; a target file is looked for where target-ref.ts says, and `searchPaths`. */
export function readScheduleFile(path: string, searchPaths: readonly string[] = []): ScheduleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read schedule file ${path}: ${(e as Error).message}`);
  }
  const s = parseSchedule(text, path);
  // In memory a target path is absolute: wherever the file was moved, it names the file found.
  if (looksLikePath(s.target)) {
    const clues: TargetClues = { scheduleFile: path, target: s.target, searchPaths };
    if (s.targetFromRoot !== undefined) clues.targetFromRoot = s.targetFromRoot;
    s.target = locateTarget(clues);
  }
  return s;
}

export function writeScheduleFile(path: string, s: ScheduleFile): void {
  validateSchedule(s, path);
  let out = s;
  if (looksLikePath(s.target)) {
    const rel = relative(dirname(resolve(path)), resolve(s.target)).split(sep).join('/');
    const root = fromRoot(resolve(s.target));
    // Key order kept (diffs in seeds/ stay small): targetFromRoot goes right after target.
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'targetFromRoot') continue;
      o[k] = k === 'target' ? (rel.startsWith('.') ? rel : `./${rel}`) : v;
      if (k === 'target' && root !== undefined) o['targetFromRoot'] = root;
    }
    out = o as unknown as ScheduleFile;
  }
  try {
    writeFileAtomic(path, formatSchedule(out));
  } catch (e) {
    throw new UsageError(`cannot write schedule file ${path}: ${(e as Error).message}`);
  }
}

/** Parses and validates; every error is a UsageError naming the file and the field. */
export function parseSchedule(text: string, source: string): ScheduleFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source}: not a schedule file (invalid JSON: ${(e as Error).message})`);
  }
  return validateSchedule(raw, source);
}

export function validateSchedule(raw: unknown, source: string): ScheduleFile {
  const bad = (what: string): never => {
    throw new UsageError(`${source}: corrupt schedule file: ${what}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (o['format'] !== SCHEDULE_FORMAT) bad(`'format' must be '${SCHEDULE_FORMAT}'`);
  if (o['version'] !== 1) bad(`unsupported version ${JSON.stringify(o['version'])} (this build reads version 1)`);
  const engine = o['engine'];
  if (engine !== undefined && !(Number.isSafeInteger(engine) && (engine as number) >= 1)) bad(`'engine' must be a positive integer`);
  if (typeof engine === 'number' && engine > ENGINE_VERSION) bad(`recorded under engine ${engine}, newer than this build's engine ${ENGINE_VERSION}: replay it with the interleave that wrote it`);
  for (const k of ['target', 'variant', 'seed'] as const) {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) bad(`'${k}' must be a non-empty string`);
  }
  const fr = o['targetFromRoot'];
  if (fr !== undefined && (typeof fr !== 'string' || fr.length === 0 || isAbsolute(fr) || fr.split('/').includes('..'))) bad(`'targetFromRoot' must be a path inside the project (no '..')`);
  validateStrategy(o['strategy'], bad);
  validateOptions(o['options'], bad);
  if (typeof o['expect'] !== 'string' || !/^(pass|violation:[A-Za-z0-9_-]+)$/.test(o['expect'])) bad(`'expect' must be 'pass' or 'violation:<kind>'`);
  validateSignature(o['signature'], o['expect'] as string, bad);
  if (typeof o['decisionHash'] !== 'string' || !/^[0-9a-f]{16}$/.test(o['decisionHash'])) bad(`'decisionHash' must be 16 hex digits`);
  if (!Number.isSafeInteger(o['steps']) || (o['steps'] as number) < 0) bad(`'steps' must be a non-negative integer`);
  if (typeof o['decisions'] !== 'string') bad(`'decisions' must be an encoded string`);
  try {
    decodeDecisions(o['decisions'] as string, decisionLimit((o['options'] as ScheduleOptions).maxSteps), RAISE_IN_FILE);
  } catch (e) {
    bad((e as Error).message);
  }
  if (o['note'] !== undefined && typeof o['note'] !== 'string') bad(`'note' must be a string`);
  return o as unknown as ScheduleFile;
}

/**
 * A signature names the expected violation, so it starts with its kind. Beside `pass` it is left
 * alone and unused (an entry whose expectation was set to pass by hand): nothing is held to it.
 */
function validateSignature(v: unknown, expect: string, bad: (what: string) => never): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || v.length === 0) bad(`'signature' must be a non-empty string`);
  if (expect === 'pass') return;
  const kind = expect.slice('violation:'.length);
  if (v !== kind && !v.startsWith(`${kind}:`)) bad(`'signature' must start with the expected kind '${kind}', got ${JSON.stringify(v)}`);
}

function validateStrategy(v: unknown, bad: (what: string) => never): void {
  if (v === null || typeof v !== 'object') bad(`'strategy' must be { name, params }`);
  const s = v as Record<string, unknown>;
  if (typeof s['name'] !== 'string' || s['name'].length === 0) bad(`'strategy.name' must be a non-empty string`);
  const p = s['params'];
  if (p === null || typeof p !== 'object' || Array.isArray(p)) bad(`'strategy.params' must be an object`);
  for (const [k, x] of Object.entries(p as StrategyParams)) {
    if (!['string', 'number', 'boolean'].includes(typeof x)) bad(`'strategy.params.${k}' must be a string, number or boolean`);
  }
}

function validateOptions(v: unknown, bad: (what: string) => never): void {
  if (v === null || typeof v !== 'object') bad(`'options' must be { durationMs, maxSteps, faults, ignore }`);
  const o = v as Record<string, unknown>;
  if (typeof o['durationMs'] !== 'number' || !(o['durationMs'] >= 0)) bad(`'options.durationMs' must be a number >= 0`);
  if (!Number.isSafeInteger(o['maxSteps']) || (o['maxSteps'] as number) < 1) bad(`'options.maxSteps' must be a positive integer`);
  const f = o['faults'];
  if (f === null || typeof f !== 'object' || Array.isArray(f)) bad(`'options.faults' must be an object of name → rate`);
  for (const [k, r] of Object.entries(f as Record<string, unknown>)) {
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) bad(`'options.faults.${k}' must be a rate in [0, 1]`);
  }
  const ig = o['ignore'];
  if (!Array.isArray(ig) || !ig.every((x) => typeof x === 'string')) bad(`'options.ignore' must be an array of violation kinds`);
  for (const k of ['faultWindowMs', 'livenessMs', 'eventLatencyMs']) {
    if (o[k] !== undefined && !(typeof o[k] === 'number' && (o[k] as number) >= 0)) bad(`'options.${k}' must be a number >= 0`);
  }
  const net = o['net'];
  if (net !== undefined && (net === null || typeof net !== 'object' || Array.isArray(net))) bad(`'options.net' must be an object of knob → value`);
  if (o['swarm'] !== undefined && typeof o['swarm'] !== 'boolean') bad(`'options.swarm' must be a boolean`);
  if (o['weather'] !== undefined && o['weather'] !== 'fixed') {
    const err = weatherError(o['weather']);
    if (err !== null) bad(`'options.${err}`.replace(/^'options\.(weather[^ ]*)/, "'options.$1'"));
  }
  const wl = o['workload'];
  if (wl !== undefined && (wl === null || typeof wl !== 'object' || Array.isArray(wl) || !Object.values(wl).every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    bad(`'options.workload' must be an object of knob → number`);
  }
}
