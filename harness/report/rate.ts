import type { ExploreResult } from '../campaign/tally.js';

/**
 * Seeds per failure, per variant: what sizes a CI run. A bug that fails 1 seed in N is missed by
 * S seeds with probability (1 - 1/N)^S, so S = ln(0.01) / ln(1 - 1/N) seeds catch it 99 times in
 * 100. Null when no variant failed.
 */
export function failureRateText(r: Pick<ExploreResult, 'variants' | 'failuresByVariant' | 'passesByVariant'>): string | null {
  const parts: string[] = [];
  let any = false;
  for (const v of r.variants) {
    const f = r.failuresByVariant[v] ?? 0;
    const n = f + (r.passesByVariant[v] ?? 0);
    if (f === 0) {
      parts.push(`${v} no failure in ${n} seeds`);
      continue;
    }
    any = true;
    const per = n / f;
    const perText = per >= 10 || Number.isInteger(per) ? String(Math.round(per)) : per.toFixed(1);
    const sure = per <= 1 ? 1 : Math.ceil(Math.log(0.01) / Math.log(1 - 1 / per));
    parts.push(`${r.variants.length > 1 ? `${v} ` : ''}1 failure per ${perText} seeds (${f} of ${n}${f === 1 ? ', one failure: a rough figure' : ''}; ${sure} seeds catch it 99 times in 100)`);
  }
  return any ? `seeds per failure: ${parts.join('; ')}` : null;
}

/** What a budget (--time, --until-fail) ran and why it stopped; null without one. */
export function budgetText(r: Pick<ExploreResult, 'budget' | 'firstFailure' | 'interrupted'>): string | null {
  const b = r.budget;
  if (b === undefined) return null;
  const ran = `${b.seeds} seed${b.seeds === 1 ? '' : 's'}${b.seeds > 0 ? ` (the last: ${b.lastSeed})` : ''}`;
  if (r.interrupted === true) return `interrupted after ${ran}`;
  if (b.stoppedBy === 'failure') return `--until-fail: stopped at the first failing seed, ${r.firstFailure?.seed ?? b.lastSeed}, after ${ran}`;
  if (b.stoppedBy === 'time') return `--time: spent after ${ran}; seeds under way finished`;
  return `the seed list ran out before the budget: ${ran}`;
}
