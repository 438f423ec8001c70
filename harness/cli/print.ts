import { describeWeather } from '../net/weather.js';
import { pctGuarantee, type ExploreResult } from '../explore/explore.js';

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
    out(`interleave: ${r.target} with ${r.strategy.name}${paramText(r.strategy.params)}: ${runs} runs (${r.variants.length} variant${r.variants.length > 1 ? 's' : ''}) in ${(wallMs / 1000).toFixed(2)} s`);
    const w = Math.max(8, ...r.variants.map((v) => v.length));
    out(`  ${'variant'.padEnd(w)}  ${'runs'.padStart(6)}  ${'failed'.padStart(6)}  kinds`);
    for (const v of r.variants) {
      const f = r.failuresByVariant[v] ?? 0;
      const kinds = [...new Set(r.failures.filter((x) => x.variant === v).flatMap((x) => x.kinds))].join(', ');
      out(`  ${v.padEnd(w)}  ${String(f + (r.passesByVariant[v] ?? 0)).padStart(6)}  ${String(f).padStart(6)}  ${kinds}`);
    }
    const kinds = Object.entries(r.violationsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
    out(`  violations by kind: ${kinds || 'none'}`);
    out(`  ${statsText(r, wallMs)}`);
    const g = pctGuarantee(r);
    if (g !== null) out(`  ${pctGuaranteeText(g)}`);
    if (r.firstFailure) out(`  first failing seed: ${r.firstFailure.variant} seed ${r.firstFailure.seed}`);
    const shown = r.failures.slice(0, 10);
    for (const f of shown) {
      const v = f.first;
      out(`  ✗ ${f.variant} seed ${f.seed}: ${v.kind} at step ${v.step} (${v.timeMs} ms): ${v.message}`);
      if (f.weather !== undefined) out(`      weather: ${describeWeather(f.weather)}`);
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
      lines.push(`✗ ${r.target} ${f.variant} seed ${f.seed}: ${v.kind} at step ${v.step} (${v.timeMs} ms): ${v.message}`, `    replay: ${f.replayCommand}`);
    }
    const failing = Object.values(r.failuresByVariant).reduce((a, b) => a + b, 0);
    if (failing > shown.length) lines.push(`…and ${failing - shown.length} more failing seeds of ${r.target} in the report`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** One line of what the runs covered: the summary's statistics. */
export function statsText(r: ExploreResult, wallMs: number): string {
  const d = r.distinct.count();
  const faults = Object.entries(r.faultsByKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  const perSec = wallMs > 0 ? `, ${(r.runs / (wallMs / 1000)).toFixed(0)} seeds/s` : '';
  return `stats: ${r.runs} seeds, ${r.steps} steps, ${virtual(r.virtualMs)} virtual, ${d.estimated ? '≈' : ''}${d.value} distinct schedules${perSec}; faults injected: ${faults || 'none'}`;
}

function virtual(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

export function paramText(p: Readonly<Record<string, unknown>>): string {
  const e = Object.entries(p);
  return e.length ? ` (${e.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
}
