import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labelHash } from '../core/hash.js';
import { weatherError, type Weather } from '../faults/weather.js';
import { writeFileAtomic } from '../io/atomic.js';
import { makeDirs } from '../io/dirs.js';
import { decodeDecisions, encodeDecisions } from '../replay/encoding.js';
import { UsageError } from '../core/errors.js';
import { ENGINE_VERSION, HARNESS_VERSION } from '../version.js';
import type { GuideEntry } from '../strategies/guided-corpus.js';

export const GUIDE_FORMAT = 'interleave-guide';

/**
 * A guide corpus on disk (`--guide-dir`), one JSON file per target, variant and options:
 * `<dir>/<target>-<variant>-<8 hex of the options>.guide.json`:
 *
 *     { "format": "interleave-guide", "version": 1, "harness": "0.1.0", "engine": 2, "target": "raft",
 *       "variant": "correct", "optionsKey": "3f2a19c0", "options": { <the variant's run options> },
 *       "entries": [ { "variant", "seed", "decisions": "v1:…", "faults": {…}, "weather"?: {…},
 *                      "states": [<32-bit abstract states>] } ] }
 *
 * `decisions` uses the schedule files' encoding. Other options (another --duration, other
 * faults) make another file, so campaigns of one target under different options never mix;
 * deleting a file (or the directory) starts that corpus afresh.
 */
export interface GuideFile {
  format: typeof GUIDE_FORMAT;
  version: 1;
  harness: string;
  /** What its seeds mean (version.ts); absent in files written under engine 1. */
  engine?: number;
  target: string;
  variant: string;
  optionsKey: string;
  options: Record<string, unknown>;
  entries: { variant: string; seed: string; decisions: string; faults: Record<string, number>; weather?: Weather; states: number[] }[];
}

/** The file a campaign of `target`'s `variant` under `options` reads and writes. */
export function guidePath(dir: string, target: string, variant: string, options: object): { path: string; key: string } {
  const key = optionsKey(options);
  const slug = (x: string): string => x.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);
  return { path: join(dir, `${slug(target)}-${slug(variant)}-${key}.guide.json`), key };
}

function optionsKey(options: object): string {
  return labelHash(JSON.stringify(options, Object.keys(flatKeys(options)).sort())).toString(16).padStart(8, '0');
}

/** Every key at any depth, so JSON.stringify's key list sorts nested objects too. */
function flatKeys(v: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out[k] = true;
      flatKeys(x, out);
    }
  }
  return out;
}

/** The entries of an existing guide file, or none. Corrupt, foreign or stale: a one-line UsageError. */
export function loadGuide(dir: string, target: string, variant: string, options: object): GuideEntry[] {
  const { path, key } = guidePath(dir, target, variant, options);
  if (!existsSync(path)) return [];
  const clear = `delete it (or the --guide-dir) to start a fresh corpus`;
  const bad = (what: string): never => {
    throw new UsageError(`guide file ${path}: ${what}; ${clear}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return bad(`corrupt (${(e as Error).message.split('\n')[0]})`);
  }
  const f = raw as Partial<GuideFile> | null;
  if (f === null || typeof f !== 'object' || f.format !== GUIDE_FORMAT) return bad(`not a guide file (no "format": "${GUIDE_FORMAT}")`);
  if (f.version !== 1) return bad(`unsupported version ${JSON.stringify(f.version)}`);
  if (f.harness !== HARNESS_VERSION) return bad(`written by harness ${String(f.harness)}, this is ${HARNESS_VERSION}`);
  if ((f.engine ?? 1) !== ENGINE_VERSION) return bad(`written under engine ${f.engine ?? 1}, this build is engine ${ENGINE_VERSION}`);
  if (f.target !== target || f.variant !== variant) return bad(`for target ${String(f.target)} variant ${String(f.variant)}, not ${target} ${variant}`);
  if (f.optionsKey !== key) return bad(`for other options (key ${String(f.optionsKey)}, these are ${key})`);
  if (!Array.isArray(f.entries)) return bad(`"entries" must be an array`);
  return f.entries.map((e, i) => {
    const at = `entry ${i}`;
    if (e === null || typeof e !== 'object' || e.variant !== variant || typeof e.seed !== 'string') return bad(`${at}: needs variant ${variant} and a seed`);
    if (!Array.isArray(e.states) || !e.states.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff)) return bad(`${at}: "states" must be 32-bit integers`);
    if (e.faults === null || typeof e.faults !== 'object' || !Object.values(e.faults).every((r) => typeof r === 'number' && r >= 0 && r <= 1)) return bad(`${at}: "faults" must map kinds to rates`);
    if (e.weather !== undefined) {
      const err = weatherError(e.weather);
      if (err !== null) return bad(`${at}: ${err}`);
    }
    let decisions;
    try {
      decisions = decodeDecisions(String(e.decisions));
    } catch (x) {
      return bad(`${at}: ${(x as Error).message}`);
    }
    const out: GuideEntry = { variant: e.variant, seed: e.seed, decisions, faults: { ...e.faults }, states: [...e.states] };
    if (e.weather !== undefined) out.weather = e.weather;
    return out;
  });
}

/** Writes the corpus (atomically: a killed CI job leaves the previous file whole). */
export function saveGuide(dir: string, target: string, variant: string, options: object, entries: readonly GuideEntry[]): string {
  const { path, key } = guidePath(dir, target, variant, options);
  const file: GuideFile = {
    format: GUIDE_FORMAT, version: 1, harness: HARNESS_VERSION, engine: ENGINE_VERSION, target, variant, optionsKey: key, options: { ...options },
    entries: entries.map((e) => ({
      variant: e.variant, seed: e.seed, decisions: encodeDecisions(e.decisions), faults: { ...e.faults },
      ...(e.weather !== undefined ? { weather: e.weather } : {}), states: [...e.states],
    })),
  };
  try {
    makeDirs(dir);
    writeFileAtomic(path, `${JSON.stringify(file)}\n`);
  } catch (e) {
    throw new UsageError(`cannot write guide file ${path}: ${(e as Error).message}`);
  }
  return path;
}
