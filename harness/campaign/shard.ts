import { UsageError } from '../core/errors.js';
import { SeedShard, type SeedSeq } from './seeds.js';

/** One slice of a seed list for a CI job matrix: 1-based `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Keeps a typo like 1/1e9 from producing a matrix nobody meant. */
export const MAX_SHARDS = 100_000;

/** Parses `i/n` (1 ≤ i ≤ n); anything else is a UsageError that says what was expected. */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(spec));
  if (m === null) throw new UsageError(`malformed --shard '${spec}': expected i/n with integers, e.g. 2/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${spec}: n must be between 1 and ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new UsageError(`--shard ${spec}: i must be between 1 and ${count} (shards are numbered from 1)`);
  return { index, count };
}

/**
 * Round-robin by position in the seed list: seed p (0-based) belongs to shard (p mod n) + 1.
 * It depends only on the list, never on variants, strategy or --jobs, so a CI matrix that
 * passes the same seed spec to every job covers the list exactly once. Slow seeds tend to sit
 * next to each other; dealing them out spreads them across shards. A SeedSeq is dealt lazily
 * (a shard of 1..1000000000 is never an array).
 */
export function shardSeeds(seeds: readonly string[], shard: Shard): string[];
export function shardSeeds(seeds: SeedSeq, shard: Shard): SeedSeq;
export function shardSeeds(seeds: readonly string[] | SeedSeq, shard: Shard): string[] | SeedSeq {
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new UsageError(`invalid shard ${shard.index}/${shard.count}`);
  }
  if (!Array.isArray(seeds)) return new SeedShard(seeds as SeedSeq, shard.index, shard.count);
  const out: string[] = [];
  for (let p = shard.index - 1; p < seeds.length; p += shard.count) out.push((seeds as readonly string[])[p]!);
  return out;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
