import { canonicalSeed } from '../core/seed.js';
import { UsageError } from '../core/errors.js';

/** At most this many seeds in one range: a typo like 1..1e12 should fail fast, not run for weeks. */
export const MAX_SEEDS = 10_000_000;

/**
 * Parses a seed list: `a..b` (inclusive), `a,b,c`, a single seed, or `random:N` (which needs
 * `fresh`, the caller's source of new seeds: the CLI draws them and prints them).
 */
export function parseSeeds(spec: string, fresh?: (n: number) => string[]): string[] {
  const s = spec.trim();
  if (s.length === 0) throw new UsageError('empty seed list');
  const rnd = /^random:(\d+)$/.exec(s);
  if (rnd) {
    const n = Number(rnd[1]);
    if (n < 1 || n > MAX_SEEDS) throw new UsageError(`random:N needs 1 <= N <= ${MAX_SEEDS}, got ${rnd[1]}`);
    if (fresh === undefined) throw new UsageError('random:N seeds need a source of fresh seeds');
    return fresh(n);
  }
  if (s.startsWith('random')) throw new UsageError(`malformed seed list '${spec}': expected random:N`);
  const range = /^(\d+)\.\.(\d+)$/.exec(s);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new UsageError(`seed range ${spec} is out of range`);
    if (b < a) throw new UsageError(`seed range ${spec} is reversed: write ${b}..${a}`);
    if (b - a + 1 > MAX_SEEDS) throw new UsageError(`seed range ${spec} has more than ${MAX_SEEDS} seeds`);
    const out: string[] = [];
    for (let i = a; i <= b; i++) out.push(String(i));
    return out;
  }
  if (s.includes('..')) throw new UsageError(`malformed seed range '${spec}': expected A..B with non-negative integers`);
  if (/^\d+\s*[-–:_]\s*\d+$/.test(s)) throw new UsageError(`malformed seed range '${spec}': write ${s.replace(/\s*[-–:_]\s*/, '..')}`);
  const parts = s.split(',').map((p) => p.trim());
  if (parts.some((p) => p.length === 0)) throw new UsageError(`malformed seed list '${spec}'`);
  return parts.map((p) => {
    if (/^-\d/.test(p)) throw new UsageError(`seed ${p} is negative: seeds are non-negative integers or strings`);
    return canonicalSeed(p);
  });
}

/**
 * A list of seeds read by position: an array, or a range made on demand (an open range of ten
 * million seeds is never a ten-million-string array).
 */
export interface SeedSeq {
  readonly length: number;
  at(index: number): string | undefined;
}

/** Seeds first, first+1, …, `length` of them, as strings: made when read. */
export class SeedRange implements SeedSeq {
  constructor(readonly first: number, readonly length: number) {
    if (!(Number.isSafeInteger(first) && first >= 0 && Number.isSafeInteger(length) && length >= 0 && Number.isSafeInteger(first + length))) {
      throw new UsageError(`seed range from ${first}, ${length} seeds, is out of range`);
    }
  }

  at(index: number): string | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.length ? String(this.first + index) : undefined;
  }
}

/** `run --time` or `--until-fail` without `--seeds`: seeds 1, 2, 3, … (at most MAX_SEEDS of them). */
export const OPEN_SEEDS_SPEC = '1..';
export function openSeeds(): SeedRange {
  return new SeedRange(1, MAX_SEEDS);
}

/**
 * `run --time`: a number and its unit, `90s`, `5m`, `2h` (or `1h30m`), as wall ms. A bare number is
 * refused: seconds or minutes, a reader of the command line could not tell.
 */
export function parseWallTime(text: string): number {
  const s = text.trim();
  const unit: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  const bad = (): never => {
    const bare = /^\d+(?:\.\d+)?$/.test(s) ? `: give a unit, e.g. ${s}s or ${s}m` : ': give a number and a unit, e.g. 30s, 5m, 2h';
    throw new UsageError(`--time ${JSON.stringify(text)} is not a wall time${bare}`);
  };
  if (s.length === 0 || parts === null || (parts[1] === undefined && parts[2] === undefined && parts[3] === undefined)) return bad();
  const ms = (parts[1] !== undefined ? Number(parts[1]) * unit['h']! : 0) + (parts[2] !== undefined ? Number(parts[2]) * unit['m']! : 0) + (parts[3] !== undefined ? Number(parts[3]) * unit['s']! : 0);
  if (!(ms > 0) || !Number.isFinite(ms)) return bad();
  return ms;
}

/** A wall time as it was given, for a summary: 300000 → `5m`. */
export function wallTimeText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
