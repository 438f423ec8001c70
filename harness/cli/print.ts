import { failureWeather } from '../report/markdown.js';
import { pctGuarantee, type ExploreResult } from '../campaign/tally.js';
import { formatMs } from '../core/format.js';
import { budgetText, failureRateText } from '../report/rate.js';

/** PCT's promise, stated for what this campaign actually ran. */
export function pctGuaranteeText(g: NonNullable<ReturnType<typeof pctGuarantee>>): string {
  const miss = g.missProbability < 1e-4 ? g.missProbability.toExponential(1) : g.missProbability.toFixed(4);
  return `pct guarantee: a depth-${g.depth} bug reachable within k=${g.k} steps among n=${g.n} tasks is hit with probability >= 1/(n*k^(d-1)) per run; ` +
    `each variant had at least ${g.runsWithinK} runs within k, so the chance they all missed it is <= ${miss}` +
    (g.runsBeyondK > 0 ? ` (${g.runsBeyondK} runs longer than k are not covered by the bound)` : '');
}

/** The end-of-run summary on stdout. */
export function printSummary(results: readonly ExploreResult[], wallMs: number, reportDir: string): void {
  process.stdout.write(summaryText(results, wallMs, reportDir));
}

/** The end-of-run summary: counts, kinds, the first failing seed and how to replay each failure. */
export function summaryText(results: readonly ExploreResult[], wallMs: number, reportDir: string): string {
  const lines: string[] = [];
  const out = (s = ''): void => {
    lines.push(s);
  };
  for (const r of results) {
    const runs = r.runs;
    out(`interleave: ${r.target} with ${strategyText(r)}: ${runs} runs (${r.variants.length} variant${r.variants.length > 1 ? 's' : ''}) in ${(wallMs / 1000).toFixed(2)} s`);
    const w = Math.max(8, ...r.variants.map((v) => v.length));
    out(`  ${'variant'.padEnd(w)}  ${'runs'.padStart(6)}  ${'failed'.padStart(6)}  kinds`);
    for (const v of r.variants) {
      const f = r.failuresByVariant[v] ?? 0;
      const kinds = [...new Set(r.failures.filter((x) => x.variant === v).flatMap((x) => x.kinds))].join(', ');
      out(`  ${v.padEnd(w)}  ${String(f + (r.passesByVariant[v] ?? 0)).padStart(6)}  ${String(f).padStart(6)}  ${kinds}`);
    }
    const kinds = Object.entries(r.violationsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
    out(`  violations by kind: ${kinds || 'none'}`);
    const rate = failureRateText(r);
    if (rate !== null) out(`  ${rate}`);
    const budget = budgetText(r);
    if (budget !== null) out(`  ${budget}`);
    out(`  ${statsText(r, wallMs)}`);
    const fit = fittedText(r);
    if (fit !== null) out(`  ${fit}`);
    const g = pctGuarantee(r);
    if (g !== null) out(`  ${pctGuaranteeText(g)}`);
    const cp = pctcpBoundText(r);
    if (cp !== null) out(`  ${cp}`);
    if (r.guide !== undefined) {
      const g = r.guide;
      out(`  guided: ${g.entries} corpus entries${g.loaded > 0 ? ` (${g.loaded} read from the guide file)` : ''}, ${g.statesSeen} abstract states reached; failures replay only from their schedule files${g.file !== null ? `; corpus saved to ${g.file}` : ''}`);
    }
    if (r.firstFailure) out(`  first failing seed: ${r.firstFailure.variant} seed ${r.firstFailure.seed}`);
    const shown = r.failures.slice(0, 10);
    for (const f of shown) {
      const v = f.first;
      out(`  ✗ ${f.variant} seed ${f.seed}: ${v.kind} at step ${v.step} (${formatMs(v.timeMs)} ms): ${v.message}`);
      if (f.result?.invariantBlame !== undefined) out(`      made false by: ${f.result.invariantBlame.text}`);
      const weather = failureWeather(f);
      if (weather !== undefined) out(`      weather: ${weather}`);
      out(`      replay: ${f.replayCommand}`);
    }
    const failing = Object.values(r.failuresByVariant).reduce((a, b) => a + b, 0);
    if (failing > shown.length) out(`  …and ${failing - shown.length} more failing seeds in the report`);
  }
  out(`report: ${reportDir}/summary.md`);
  return lines.join('\n') + '\n';
}

/** `--quiet`: the failures and how to replay them, nothing else (nothing when none failed). */
export function failuresText(results: readonly ExploreResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const shown = r.failures.slice(0, 10);
    for (const f of shown) {
      const v = f.first;
      lines.push(`✗ ${r.target} ${f.variant} seed ${f.seed}: ${v.kind} at step ${v.step} (${formatMs(v.timeMs)} ms): ${v.message}`, `    replay: ${f.replayCommand}`);
    }
    const failing = Object.values(r.failuresByVariant).reduce((a, b) => a + b, 0);
    if (failing > shown.length) lines.push(`…and ${failing - shown.length} more failing seeds of ${r.target} in the report`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** One line of what the runs covered: the summary's statistics. */
export function statsText(r: ExploreResult, wallMs: number): string {
  const d = r.distinct.count();
  const c = r.states.count();
  const faults = Object.entries(r.faultsByKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  const perSec = wallMs > 0 ? `, ${(r.runs / (wallMs / 1000)).toFixed(0)} seeds/s` : '';
  // No abstract state at all (a single process that calls no cover()): the count says nothing.
  const states = c.value === 0 && !c.estimated ? '' : `, ${c.estimated ? '≈' : ''}${c.value} distinct abstract states`;
  return `stats: ${r.runs} seeds, ${r.steps} steps, ${virtual(r.virtualMs)} virtual, ${d.estimated ? '≈' : ''}${d.value} distinct schedules${states}${perSec}; faults injected: ${faults || 'none'}`;
}

function virtual(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

/** The campaign's strategy; a portfolio names its members, a fit that differs per variant is on its own line. */
export function strategyText(r: Pick<ExploreResult, 'strategy' | 'strategyByVariant' | 'variants'>): string {
  if (r.strategy.name === 'portfolio') return `portfolio (random, pct, pctcp: one per seed, by the seed's hash)`;
  const specs = r.variants.map((v) => r.strategyByVariant[v] ?? r.strategy);
  const same = specs.every((s) => JSON.stringify(s.params) === JSON.stringify(specs[0]!.params));
  return `${r.strategy.name}${paramText(same ? specs[0]!.params : r.strategy.params)}`;
}

/** The bounds the pilot fitted, per variant, when they are not all in the headline. */
export function fittedText(r: Pick<ExploreResult, 'strategy' | 'strategyByVariant' | 'variants'>): string | null {
  const specs = r.variants.map((v) => [v, r.strategyByVariant[v] ?? r.strategy] as const);
  const p = (s: (typeof specs)[number][1], k: string): unknown => s.params[k];
  if (r.strategy.name === 'portfolio') {
    return `k fitted per variant (pct steps / pctcp messages): ${specs.map(([v, s]) => `${v} ${p(s, 'pctK')}/${p(s, 'pctcpK')}`).join(', ')}`;
  }
  if (specs.length < 2 || specs.every(([, s]) => s.params['k'] === specs[0]![1].params['k'])) return null;
  return `k per variant: ${specs.map(([v, s]) => `${v} ${p(s, 'k')}`).join(', ')}`;
}

/** PCTCP's promise: stated per run, since the number of chains is the run's own. */
export function pctcpBoundText(r: Pick<ExploreResult, 'strategy' | 'strategyByVariant' | 'variants'>): string | null {
  if (r.strategy.name !== 'pctcp') return null;
  const ks = r.variants.map((v) => Number((r.strategyByVariant[v] ?? r.strategy).params['k']));
  const d = Number(r.strategy.params['depth'] ?? (r.strategyByVariant[r.variants[0]!] ?? r.strategy).params['depth']);
  return `pctcp guarantee: a depth-${d} message-ordering bug within the first k=${Math.max(...ks)} messages is hit with probability >= 1/(n*k^(d-1)) per run, n being the run's chains of causally related messages`;
}

export function paramText(p: Readonly<Record<string, unknown>>): string {
  const e = Object.entries(p);
  return e.length ? ` (${e.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
}
