import { canonicalSeed } from '../core/seed.js';
import { UsageError } from '../sched/index.js';

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
