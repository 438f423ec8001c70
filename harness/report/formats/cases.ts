import type { ExploreResult } from '../../campaign/tally.js';
import type { RegressReport } from '../../regress/regress.js';

/**
 * What every CI format reports: one case per (target, variant), or per corpus entry for
 * `regress`. `ok` is the command's own verdict: in `run` and `merge-reports` any violation fails
 * the case (as the exit code does); in `campaign` only an outcome not as expected does, so a
 * buggy variant caught as documented passes.
 */
export interface CaseRow {
  /** The target (JUnit classname). */
  suite: string;
  /** The variant, or the corpus entry's path (JUnit name): never a seed, so names are stable. */
  name: string;
  ok: boolean;
  runs: number;
  failed: number;
  /** Failing runs per violation kind. */
  kinds: Record<string, number>;
  /** Replay commands of the first failures, at most REPLAYS_SHOWN. */
  replays: string[];
  /** The first failure's replay command per violation kind (an annotation names the kind's own seed). */
  replayByKind?: Record<string, string>;
  /** Why the case failed, when the kinds do not say it (an expected bug not found, a corpus entry that changed). */
  why?: string;
  /** The case was not checked (a stale corpus entry), and why. */
  skipped?: string;
}

export const REPLAYS_SHOWN = 20;

/** Cases of `run` and `merge-reports`, or of `campaign` with each variant's expected outcome. */
export function exploreCases(results: readonly ExploreResult[], expected?: (target: string, variant: string) => string): CaseRow[] {
  const rows: CaseRow[] = [];
  for (const r of results) {
    for (const v of r.variants) {
      const failed = r.failuresByVariant[v] ?? 0;
      const kinds = { ...(r.violationsByVariant[v] ?? kindsFromFailures(r, v)) };
      const replays = r.failures.filter((f) => f.variant === v).slice(0, REPLAYS_SHOWN).map((f) => f.replayCommand);
      const replayByKind: Record<string, string> = {};
      for (const f of r.failures) if (f.variant === v) for (const k of f.kinds) replayByKind[k] ??= f.replayCommand;
      const row: CaseRow = { suite: r.target, name: v, ok: failed === 0, runs: failed + (r.passesByVariant[v] ?? 0), failed, kinds, replays, replayByKind };
      const want = expected?.(r.target, v);
      if (want !== undefined) {
        row.ok = want === 'pass' ? failed === 0 : want === 'violation' ? failed > 0 : (kinds[want] ?? 0) > 0;
        if (!row.ok) row.why = want === 'pass' ? `expected no violation, found ${kindText(kinds)}` : `expected ${want}, ${failed === 0 ? 'found nothing' : `found only ${kindText(kinds)}`} in ${row.runs} seeds`;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Summaries written before per-variant counts: counted from the listed failures. */
function kindsFromFailures(r: ExploreResult, variant: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of r.failures) if (f.variant === variant) for (const k of f.kinds) out[k] = (out[k] ?? 0) + 1;
  return out;
}

export function regressCases(report: RegressReport): CaseRow[] {
  return report.entries.map((e) => {
    const suite = e.path.split(/[\\/]/)[0] ?? 'seeds';
    const row: CaseRow = { suite, name: e.path, ok: e.status === 'ok' || e.status === 'stale' || e.accepted === true, runs: 1, failed: 0, kinds: {}, replays: [] };
    if (e.status === 'stale') row.skipped = `stale${e.engine !== undefined ? ` (engine ${e.engine})` : ''}: ${e.message}; record again: ${e.rerecord ?? ''}`;
    if (!row.ok) {
      row.failed = 1;
      row.kinds = { [e.status]: 1 };
      row.why = e.message;
    }
    return row;
  });
}

/** `12 of 300 seeds failed: lost-wakeup 12` (what a failing case's message says). */
export function failText(c: CaseRow): string {
  return `${c.failed} of ${c.runs} seeds failed: ${kindText(c.kinds)}`;
}

/** `lost-wakeup 12, deadlock 3`, most frequent first. */
export function kindText(kinds: Readonly<Record<string, number>>): string {
  const e = Object.entries(kinds).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return e.length === 0 ? 'no violation' : e.map(([k, n]) => `${k} ${n}`).join(', ');
}
