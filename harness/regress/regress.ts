import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Target } from '../core/api.js';
import { DEFAULT_OPTIONS, execute } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import { UsageError } from '../core/errors.js';
import { makeSchedule, readScheduleFile, scheduleEngine, scheduleRunOptions, writeScheduleFile, type ScheduleFile } from '../replay/schedule-file.js';
import { ENGINE_VERSION } from '../version.js';
import { replaySchedule } from '../replay/replay-file.js';
import { outcomeOf } from '../replay/run-decisions.js';
import { acceptCommand, rerecordCommand } from './command.js';
import { realSetImmediate } from '../core/real.js';
import { signatureOf } from '../core/signature.js';

/**
 * - ok: the replay's outcome is the expected one (and its signature, where the entry records one).
 * - changed: it is not (a bug fixed, one come back, or a failure of the same kind but another
 *   signature: another assertion, error or object); a failure unless accepted.
 * - stale: the schedule no longer fits the code (strict replay diverged); re-run from its seed
 *   and reported as a warning with the command that records it again, never a failure, so
 *   fixing a bug never leaves CI red for bookkeeping. Also `stale (engine N)`: recorded under an
 *   older engine (version.ts), whose seed now draws another run. Its decisions still replay, and
 *   one that replays to another outcome is `changed` as any other; one that replays as expected
 *   is a warning until `--accept` records it again under this engine.
 * - error: the entry could not be checked (corrupt file, unknown target or variant).
 */
export type EntryStatus = 'ok' | 'changed' | 'stale' | 'error';

export interface RegressEntry {
  /** Path relative to the corpus directory, `<target>/<name>.json`. */
  path: string;
  status: EntryStatus;
  expected: string | null;
  actual: string | null;
  message: string;
  /** For ok entries: the replay made exactly the recorded decisions. */
  hashMatches?: boolean;
  /** For stale entries. */
  rerecord?: string;
  /** The older engine an entry was recorded under (version.ts), when not this build's. */
  engine?: number;
  /** For changed entries under `accept`: the file now expects `actual`. */
  accepted?: boolean;
  /** For changed entries whose file records a signature: it, and the replay's (null: it passed). */
  expectedSignature?: string;
  actualSignature?: string | null;
  /** For error entries: the file could not be read as a schedule of a known target and variant. */
  badInput?: boolean;
}

export interface RegressReport {
  dir: string;
  entries: RegressEntry[];
  /** Paths whose expectation `accept` rewrote. */
  accepted: string[];
  /** True when no entry is changed (unless accepted) or in error: exit 0. */
  passed: boolean;
  /** Set when shouldStop ended the replay early: `entries` are those checked, of `total`. */
  interrupted?: { total: number };
}

export interface RegressOptions {
  dir: string;
  /** Rewrite the expectation (and the recorded run) of every changed entry. */
  accept?: boolean;
  /** `--target-path`: folders to look in for an entry's target file (replay/target-ref.ts). */
  searchPaths?: readonly string[];
  /** Turns a schedule's `target` (bundled name or path) into a Target. */
  resolveTarget: (nameOrPath: string) => Promise<Target>;
  /** Trace settings; each entry's own options win for the rest. */
  base?: RunOptions;
  /** Polled between entries: true stops (a signal); the report covers the entries checked. */
  shouldStop?: () => boolean;
}

/** Replays every `<dir>/<target>/*.json` entry (and any `<dir>/*.json`) in name order. */
export async function regress(o: RegressOptions): Promise<RegressReport> {
  const files = corpusFiles(o.dir);
  const entries: RegressEntry[] = [];
  for (const file of files) {
    if (o.shouldStop?.() === true) break;
    entries.push(await checkEntry(file, relative(o.dir, file), o));
    // A replay completes inside one turn of the event loop: let a signal's handler run between entries.
    await new Promise((r) => realSetImmediate(r)); // allowed: between replays, never inside one
  }
  const accepted = entries.filter((e) => e.accepted === true).map((e) => e.path);
  const passed = entries.every((e) => e.status === 'ok' || e.status === 'stale' || (e.status === 'changed' && e.accepted === true));
  return { dir: o.dir, entries, accepted, passed, ...(entries.length < files.length ? { interrupted: { total: files.length } } : {}) };
}

export function corpusFiles(dir: string): string[] {
  if (!isDirectory(dir)) throw new UsageError(`regress: ${dir} is not a directory`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new UsageError(`regress: cannot read ${dir}: ${(e as Error).message}`);
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (isDirectory(p)) {
      let inner: string[];
      try {
        inner = readdirSync(p).sort();
      } catch (e) {
        throw new UsageError(`regress: cannot read ${p}: ${(e as Error).message}`);
      }
      for (const f of inner) if (f.endsWith('.json')) out.push(join(p, f));
    } else if (name.endsWith('.json')) {
      out.push(p);
    }
  }
  return out;
}

/** A dangling or looping symlink is not a directory: as an entry it fails to read, and says so. */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function checkEntry(file: string, path: string, o: RegressOptions): Promise<RegressEntry> {
  let s: ScheduleFile;
  let target: Target;
  try {
    s = readScheduleFile(file, o.searchPaths ?? []);
    target = await o.resolveTarget(s.target);
    if (!target.variants.includes(s.variant)) throw new UsageError(`target ${s.target} has no variant '${s.variant}'`);
  } catch (e) {
    return { path, status: 'error', expected: null, actual: null, message: (e as Error).message, badInput: true };
  }
  try {
    return await replayEntry(file, path, s, target, o);
  } catch (e) {
    return { path, status: 'error', expected: s.expect, actual: null, message: (e as Error).message };
  }
}

/** How an entry's status reads in every format: `stale (engine 1)` for an entry of an older engine. */
export function statusLabel(e: RegressEntry): string {
  return e.status === 'stale' && e.engine !== undefined ? `stale (engine ${e.engine})` : e.status;
}

async function replayEntry(file: string, path: string, s: ScheduleFile, target: Target, o: RegressOptions): Promise<RegressEntry> {
  const engine = scheduleEngine(s);
  const older = engine < ENGINE_VERSION ? { engine } : {};
  const recorded = engine < ENGINE_VERSION ? ` (recorded under engine ${engine}, this build is engine ${ENGINE_VERSION})` : '';
  // A fixed bug usually makes the run outlive its recorded decisions: it goes on with the defaults.
  const rep = await replaySchedule(s, target, { config: { mode: 'strict', whenExhausted: 'default' }, base: o.base });
  if (rep.divergence !== null) {
    const rerun = await execute({
      target, variant: s.variant, seed: s.seed, strategy: s.strategy,
      options: scheduleRunOptions(s, o.base ?? DEFAULT_OPTIONS),
    });
    return {
      path, status: 'stale', expected: s.expect, actual: outcomeOf(rerun), rerecord: rerecordCommand(s, file), ...older,
      message: `schedule no longer fits the code (${rep.divergence.message}); re-run from seed ${s.seed}: ${outcomeOf(rerun)}${recorded}`,
    };
  }
  const first = rep.result.violations[0];
  const signature = first === undefined ? null : signatureOf(first);
  // An entry written before signatures is held to its kind, as it always was; one that expects a
  // pass has no failure to hold a signature to.
  const held = s.expect === 'pass' ? undefined : s.signature;
  const sameSignature = held === undefined || held === signature;
  const rewrite = (): void => {
    writeScheduleFile(file, makeSchedule({ targetRef: s.target, result: rep.result, options: scheduleRunOptions(s), ...(s.note !== undefined ? { note: s.note } : {}) }));
  };
  if (rep.outcome === s.expect && sameSignature) {
    if (engine >= ENGINE_VERSION) return { path, status: 'ok', expected: s.expect, actual: rep.outcome, hashMatches: rep.hashMatches, message: rep.outcome };
    if (o.accept === true) {
      rewrite();
      return { path, status: 'ok', expected: s.expect, actual: rep.outcome, hashMatches: rep.hashMatches, accepted: true, message: `${rep.outcome} (accepted: recorded again under engine ${ENGINE_VERSION}, was ${engine})` };
    }
    return {
      path, status: 'stale', expected: s.expect, actual: rep.outcome, engine, rerecord: acceptCommand(o.dir),
      message: `recorded under engine ${engine}, this build is engine ${ENGINE_VERSION}: its schedule still replays to ${rep.outcome}, but its seed may draw another run now; \`regress --accept\` records it again under engine ${ENGINE_VERSION}`,
    };
  }
  const entry: RegressEntry = {
    path, status: 'changed', expected: s.expect, actual: rep.outcome,
    message: (rep.outcome === s.expect
      ? `expected ${s.expect} with signature ${held}, got signature ${signature}`
      : `expected ${s.expect}, got ${rep.outcome}`) + recorded,
    ...(held !== undefined ? { expectedSignature: held, actualSignature: signature } : {}),
  };
  if (o.accept === true) {
    rewrite();
    entry.accepted = true;
    entry.message += ` (accepted: now expects ${rep.outcome === s.expect ? `signature ${signature}` : rep.outcome})`;
  }
  return entry;
}

/**
 * Adds a schedule to the corpus as `<dir>/<target>/<variant>-<kind>-<seed>.json` (`run
 * --save-failures`); an entry already there for the same run is left alone. Returns the path.
 */
export function saveToCorpus(dir: string, s: ScheduleFile): string {
  const targetDir = join(dir, slug(s.target.replace(/\.[cm]?[jt]s$/, '').split(/[\\/]/).filter((x) => x !== 'index').pop() ?? s.target));
  const file = join(targetDir, `${slug(s.variant)}-${slug(s.expect.replace(/^violation:/, ''))}-${slug(s.seed)}.json`);
  if (!existsSync(targetDir)) mkdirSync(targetDir, { recursive: true });
  if (!existsSync(file)) writeScheduleFile(file, s);
  return file;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
}
