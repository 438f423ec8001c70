/**
 * Seeds-to-failure summaries. A base seed that hit the cap counts as cap + 1, so medians and
 * percentiles stay honest lower bounds ("> cap") instead of dropping the hardest bases.
 */
export interface Walks {
  /** Per base seed: runs until the first failure of the wanted kind, or cap + 1. */
  counts: number[];
  cap: number;
}

/** Nearest-rank percentile (q in (0, 1]) of a non-empty list. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new RangeError('percentile of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

export function capped(w: Walks): number {
  return w.counts.filter((c) => c > w.cap).length;
}

/** A count for the table: "> cap" when it is the cap sentinel. */
export function showCount(n: number, cap: number): string {
  return n > cap ? `>${cap}` : String(n);
}

export interface Summary {
  median: string;
  p90: string;
  capped: string;
}

export function summarize(w: Walks): Summary {
  if (w.counts.length === 0) return { median: '-', p90: '-', capped: '-' };
  return {
    median: showCount(percentile(w.counts, 0.5), w.cap),
    p90: showCount(percentile(w.counts, 0.9), w.cap),
    capped: `${capped(w)}/${w.counts.length}`,
  };
}
