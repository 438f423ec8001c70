/**
 * Seeds to the first failure of network cases, walked the way a user runs them: `explore()` on
 * the target's path or name with plain flags, seeds `base:0, base:1, …` per base seed, in
 * chunks on worker threads. The explore function is a parameter so the same walk measures the
 * frozen baseline (an older build) and today's engine in the same way.
 */
import { performance } from 'node:perf_hooks';

export interface NetCase {
  /** Path or bundled name, as the CLI takes it. */
  ref: string;
  variant: string;
  /** The violation kind that counts as found (the target's `expect`). */
  kind: string;
}

export interface NetWalk {
  case: NetCase;
  /** Per base seed: seeds until the first failure of the kind, or cap + 1. */
  counts: number[];
  cap: number;
  /** Per base that found it: wall ms until that seed finished. */
  msToFirst: number[];
  runs: number;
  ms: number;
}

interface ExploreLike {
  (o: { target: string; variant: string; seeds: string[]; jobs?: number } & Record<string, unknown>): Promise<{
    failures: { seed: string; kinds: string[] }[];
  }>;
}

/** Seeds per explore() call: small, so a bug found at once costs one short call. */
const CHUNK = 10;

export async function walkNet(explore: ExploreLike, c: NetCase, flags: Record<string, unknown>, bases: number, cap: number, jobs: number, budgetMs = Infinity): Promise<NetWalk> {
  const t0 = performance.now();
  const out: NetWalk = { case: c, counts: [], cap, msToFirst: [], runs: 0, ms: 0 };
  for (let b = 0; b < bases; b++) {
    if (b > 0 && performance.now() - t0 > budgetMs) break;
    const tb = performance.now();
    let found = -1;
    for (let from = 0; from < cap && found < 0; from += CHUNK) {
      const seeds = Array.from({ length: Math.min(CHUNK, cap - from) }, (_, i) => `${b}:${from + i}`);
      const r = await explore({ ...flags, target: c.ref, variant: c.variant, seeds, jobs });
      // A chunk ran whole: count only up to the first hit, as a sequential walk would.
      const hit = r.failures.filter((f) => f.kinds.includes(c.kind)).map((f) => Number(f.seed.split(':')[1])).sort((x, y) => x - y)[0];
      if (hit !== undefined) {
        found = hit;
        out.runs += hit + 1 - from;
      } else out.runs += seeds.length;
    }
    out.counts.push(found < 0 ? cap + 1 : found + 1);
    if (found >= 0) out.msToFirst.push(performance.now() - tb);
  }
  out.ms = performance.now() - t0;
  return out;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

export function show(n: number, cap: number): string {
  return Number.isNaN(n) ? '-' : n > cap ? `>${cap}` : String(n);
}
