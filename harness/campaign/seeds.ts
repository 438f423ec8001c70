import { canonicalSeed } from '../core/seed.js';
import { UsageError } from '../core/errors.js';

/**
 * A list of seeds read by position: an array, a range, a shard of either, or `random:N`'s draw.
 * Nothing but an explicit a,b,c list is ever an array: `1..1000000000` costs what `1..10` does,
 * and a seed is made when its position is read.
 */
export interface SeedSeq {
  readonly length: number;
  at(index: number): string | undefined;
}

/** Positions run 0 ≤ i < 2^53: a list (times its variants) must stay countable exactly. */
function inList(index: number, length: number): boolean {
  return Number.isSafeInteger(index) && index >= 0 && index < length;
}

/** Seeds first, first+1, …, `length` of them, as strings: made when read. */
export class SeedRange implements SeedSeq {
  constructor(readonly first: number, readonly length: number) {
    if (!(Number.isSafeInteger(first) && first >= 0 && Number.isSafeInteger(length) && length >= 0 && Number.isSafeInteger(first + length))) {
      throw new UsageError(`seed range from ${first}, ${length} seeds, is out of range (seeds and counts stop at 2^53)`);
    }
  }

  at(index: number): string | undefined {
    return inList(index, this.length) ? String(this.first + index) : undefined;
  }
}

/**
 * `random:N`: N seeds in [0, 2^47) drawn from a stream named by one number, `stream`. Seed k is
 * a hash of (stream, k), so any position is read in O(1) and the journal records the stream
 * alone, never the seeds (splitmix64: a counter hashed is as good a stream as a PRNG stepped).
 */
export class RandomSeeds implements SeedSeq {
  private readonly key: bigint;

  constructor(readonly stream: number, readonly length: number) {
    if (!(Number.isSafeInteger(stream) && stream >= 0)) throw new UsageError(`random:N@S: the stream S must be a non-negative integer, got ${stream}`);
    if (!(Number.isSafeInteger(length) && length >= 1)) throw new UsageError(`random:N needs 1 <= N <= 2^53-1, got ${length}`);
    this.key = BigInt(stream);
  }

  at(index: number): string | undefined {
    if (!inList(index, this.length)) return undefined;
    return String(splitmix64(this.key + GOLDEN * BigInt(index + 1)) >> 17n);
  }

  /** The spec that draws this list again, anywhere: `random:N@S`. */
  get spec(): string {
    return `random:${this.length}@${this.stream}`;
  }
}

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function splitmix64(x: bigint): bigint {
  let z = x & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** An a,b,c list: the one kind that is held (it was typed out, so it is short). */
export class SeedList implements SeedSeq {
  readonly length: number;
  constructor(private readonly seeds: readonly string[]) {
    this.length = seeds.length;
  }

  at(index: number): string | undefined {
    return inList(index, this.length) ? this.seeds[index] : undefined;
  }
}

/** The seeds at positions index-1, index-1+count, … of `base` (round-robin: see shard.ts). */
export class SeedShard implements SeedSeq {
  readonly length: number;
  constructor(private readonly base: SeedSeq, readonly index: number, readonly count: number) {
    this.length = base.length >= index ? Math.floor((base.length - index) / count) + 1 : 0;
  }

  at(k: number): string | undefined {
    return inList(k, this.length) ? this.base.at(this.index - 1 + k * this.count) : undefined;
  }
}

/** Every seed of a list, in order (for the few callers that need them all, on short lists). */
export function* seedsOf(seq: SeedSeq): Generator<string> {
  for (let i = 0; i < seq.length; i++) yield seq.at(i)!;
}

/**
 * Parses a seed list: `a..b` (inclusive), `a,b,c`, a single seed, `random:N` (which needs
 * `drawStream`, the caller's source of a fresh stream number: the CLI draws one and records it)
 * or `random:N@S` (stream S: the same N seeds on every machine). Lazy: see SeedSeq.
 */
export function parseSeeds(spec: string, drawStream?: () => number): SeedSeq {
  const s = spec.trim();
  if (s.length === 0) throw new UsageError('empty seed list');
  const rnd = /^random:(\d+)(?:@(\d+))?$/.exec(s);
  if (rnd) {
    const n = Number(rnd[1]);
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new UsageError(`random:N needs 1 <= N <= 2^53-1, got ${rnd[1]}`);
    if (rnd[2] !== undefined) {
      const stream = Number(rnd[2]);
      if (!Number.isSafeInteger(stream)) throw new UsageError(`random:N@S: the stream S must be below 2^53, got ${rnd[2]}`);
      return new RandomSeeds(stream, n);
    }
    if (drawStream === undefined) throw new UsageError('random:N seeds need a source of fresh seeds (or give the stream: random:N@S)');
    return new RandomSeeds(drawStream(), n);
  }
  if (s.startsWith('random')) throw new UsageError(`malformed seed list '${spec}': expected random:N or random:N@S`);
  const range = /^(\d+)\.\.(\d+)$/.exec(s);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new UsageError(`seed range ${spec} is out of range (seeds stop at 2^53-1)`);
    if (b < a) throw new UsageError(`seed range ${spec} is reversed: write ${b}..${a}`);
    return new SeedRange(a, b - a + 1);
  }
  if (s.includes('..')) throw new UsageError(`malformed seed range '${spec}': expected A..B with non-negative integers`);
  if (/^\d+\s*[-–:_]\s*\d+$/.test(s)) throw new UsageError(`malformed seed range '${spec}': write ${s.replace(/\s*[-–:_]\s*/, '..')}`);
  const parts = s.split(',').map((p) => p.trim());
  if (parts.some((p) => p.length === 0)) throw new UsageError(`malformed seed list '${spec}'`);
  return new SeedList(parts.map((p) => {
    if (/^-\d/.test(p)) throw new UsageError(`seed ${p} is negative: seeds are non-negative integers or strings`);
    return canonicalSeed(p);
  }));
}

/**
 * `run --time` or `--until-fail` without `--seeds`: seeds 1, 2, 3, … until the budget stops them.
 * 2^43 of them (decades at any speed) leaves room for thousands of variants below 2^53 positions.
 */
export const OPEN_SEEDS_SPEC = '1..';
export const OPEN_SEEDS = 2 ** 43;
export function openSeeds(): SeedRange {
  return new SeedRange(1, OPEN_SEEDS);
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
