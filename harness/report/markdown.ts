import type { ExploreResult, Failure } from '../campaign/tally.js';
import { weatherMarkdown } from '../faults/weather-stats.js';
import { describeWeather } from '../faults/weather.js';
import { formatMs } from '../core/format.js';
import { budgetText, failureRateText } from './rate.js';

/** What a summary says of its invocation, beside the targets' results. */
export interface SummaryMeta {
  command: string;
  seedSpec: string;
  seedCount: number;
  wallMs: number;
  startedAt: string;
  /** Set when this report covers one shard of the seed list (merge-reports joins them). */
  shard?: { index: number; count: number };
  /** Set when a signal stopped the run: the counts cover the seeds run so far. */
  interrupted?: boolean;
  /** The signal that stopped it. */
  signal?: string;
  /** `run --time` / `--until-fail`: the budget, what ended the run (null: the seed list ran out
   * first) and the seeds the report covers, a prefix of the list. */
  budget?: { timeMs?: number; untilFail: boolean; open: boolean; stoppedBy: 'failure' | 'time' | null; seeds: number; lastSeed: string | null };
}


/** The readable twin of summary.json: what ran, what broke, how to reproduce each failure. */
/** A failure's weather line: as its run recorded it (what the target used) while the run is at hand, else as drawn. */
export function failureWeather(f: Pick<Failure, 'weather' | 'result'>): string | undefined {
  if (f.weather === undefined) return undefined;
  return describeWeather(f.weather, f.result?.weatherUse);
}

export function summaryMarkdown(results: readonly ExploreResult[], meta: SummaryMeta): string {
  const lines: string[] = [];
  lines.push('# interleave run summary', '');
  lines.push(`- command: \`${meta.command}\``);
  lines.push(`- seeds: ${meta.seedSpec} (${meta.seedCount})`);
  for (const r of results) {
    const budget = budgetText(r);
    if (budget !== null) lines.push(`- ${results.length > 1 ? `${r.target}: ` : ''}${budget}`);
    const rate = failureRateText(r);
    if (rate !== null) lines.push(`- ${results.length > 1 ? `${r.target}: ` : ''}${rate}`);
  }
  lines.push(`- started: ${meta.startedAt}, wall time: ${(meta.wallMs / 1000).toFixed(2)} s`);
  // Stopped by a signal, or by an internal error (its stack beside this file): what ran so far.
  if (meta.interrupted === true) lines.push(`- interrupted (${meta.signal ?? 'internal error: see internal-error.txt'}): the counts cover the seeds run so far; \`--resume\` runs the rest`);
  lines.push('');
  lines.push('| target | variant | runs | passed | failed | violations |', '|---|---|---:|---:|---:|---|');
  for (const r of results) {
    for (const v of r.variants) {
      const kinds = [...new Set(r.failures.filter((f) => f.variant === v).flatMap((f) => f.kinds))].join(', ');
      const fails = r.failuresByVariant[v] ?? 0;
      lines.push(`| ${r.target} | ${v} | ${(r.passesByVariant[v] ?? 0) + fails} | ${r.passesByVariant[v] ?? 0} | ${fails} | ${kinds || '—'} |`);
    }
  }
  lines.push('', '| target | seeds | steps | virtual time | distinct schedules | distinct abstract states | faults injected |', '|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const d = r.distinct.count();
    const faults = Object.entries(r.faultsByKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
    const c = r.states.count();
    lines.push(`| ${r.target} | ${r.runs} | ${r.steps} | ${(r.virtualMs / 1000).toFixed(1)} s | ${d.estimated ? '≈' : ''}${d.value} | ${c.value === 0 && !c.estimated ? '—' : `${c.estimated ? '≈' : ''}${c.value}`} | ${faults || '—'} |`);
  }
  for (const r of results) {
    const table = weatherMarkdown(r.variants, r.weatherStats);
    if (table.length === 0) continue;
    lines.push('', `## Weather drawn in ${r.target}`, '', 'How often each per-seed weather feature was drawn, and how many of those runs failed.', '', ...table);
  }
  for (const r of results) {
    if (r.failures.length === 0) continue;
    lines.push('', `## Failures in ${r.target}`, '');
    for (const f of r.failures.slice(0, 50)) {
      const v = f.first;
      lines.push(`### ${f.variant} seed ${f.seed}: ${v.kind}`, '');
      lines.push(`step ${v.step}, ${formatMs(v.timeMs)} ms virtual, actors: ${v.actors.join(', ') || '—'}`, '');
      lines.push(`> ${v.message}`, '');
      const weather = failureWeather(f);
      if (weather !== undefined) lines.push(`weather: ${weather}`, '');
      lines.push('```', f.replayCommand, '```', '');
    }
    if (r.failures.length > 50) lines.push(`…and ${r.failures.length - 50} more (see summary.json).`);
    if (r.failuresTruncated === true) lines.push('', `The failure list stops at ${r.failures.length} seeds; the counts above cover every failing seed, and journal.jsonl names each one.`);
  }
  return lines.join('\n') + '\n';
}
