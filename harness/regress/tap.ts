import { statusLabel, type RegressEntry, type RegressReport } from './regress.js';

/**
 * TAP 14, one test point per corpus entry. A stale entry is `ok … # SKIP stale: <command>`
 * (`# SKIP stale (engine N): …` for an entry of an older engine):
 * SKIP, not TODO, because its schedule was not checked at all (TODO marks a check that ran
 * and is expected to fail); the directive carries the command that records it again.
 */
export function formatTap(report: RegressReport): string {
  const lines = ['TAP version 14', `1..${report.entries.length}`];
  report.entries.forEach((e, i) => lines.push(...testPoint(e, i + 1)));
  const count = (s: string): number => report.entries.filter((e) => e.status === s).length;
  lines.push(`# ok ${count('ok')}, changed ${count('changed')}, stale ${count('stale')}, error ${count('error')}`);
  if (report.accepted.length > 0) lines.push(`# accepted: ${report.accepted.join(', ')}`);
  if (report.interrupted !== undefined) lines.push(`# interrupted: ${report.entries.length} of ${report.interrupted.total} entries checked`);
  return `${lines.join('\n')}\n`;
}

function testPoint(e: RegressEntry, n: number): string[] {
  const name = `${e.path}`.replace(/#/g, '\\#');
  switch (e.status) {
    case 'ok':
      return [`ok ${n} - ${name}: ${e.accepted === true ? e.message : e.actual}`];
    case 'stale':
      return [`ok ${n} - ${name} # SKIP ${statusLabel(e)}: ${e.rerecord ?? ''}`, ...yaml({ message: e.message })];
    case 'changed':
      if (e.accepted === true) return [`ok ${n} - ${name}: ${e.message}`];
      return [`not ok ${n} - ${name}: ${e.message}`, ...yaml({
        expected: e.expected, actual: e.actual,
        ...(e.expectedSignature !== undefined ? { expectedSignature: e.expectedSignature, actualSignature: e.actualSignature ?? null } : {}),
      })];
    case 'error':
      return [`not ok ${n} - ${name}: error`, ...yaml({ message: e.message })];
  }
}

function yaml(fields: Record<string, string | null>): string[] {
  const out = ['  ---'];
  for (const [k, v] of Object.entries(fields)) out.push(`  ${k}: ${JSON.stringify(v)}`);
  out.push('  ...');
  return out;
}

/**
 * 0 when every outcome is as expected (stale entries, `stale (engine N)` too, are warnings), 1 otherwise; 2 when a corpus
 * file is unreadable (bad input, as a corrupt schedule is to replay). A missing corpus throws UsageError.
 */
export function regressExitCode(report: RegressReport): 0 | 1 | 2 {
  if (report.entries.some((e) => e.badInput === true)) return 2;
  return report.passed ? 0 : 1;
}
