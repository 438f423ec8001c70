import { failText, type CaseRow } from './cases.js';

/** TAP 14 with one test point per case (regress writes its own, per corpus entry). */
export function casesTap(rows: readonly CaseRow[]): string {
  const lines = ['TAP version 14', `1..${rows.length}`];
  rows.forEach((r, k) => {
    const name = `${r.suite} ${r.name}`.replace(/#/g, '\\#');
    const what = r.failed === 0 ? `${r.runs} runs, no violation` : failText(r);
    if (r.skipped !== undefined) lines.push(`ok ${k + 1} - ${name} # SKIP ${r.skipped.replace(/\n/g, ' ')}`);
    else lines.push(`${r.ok ? 'ok' : 'not ok'} ${k + 1} - ${name}: ${what}`);
    if (!r.ok) {
      lines.push('  ---', `  message: ${JSON.stringify(r.why ?? what)}`);
      if (r.replays.length > 0) lines.push('  replay:', ...r.replays.map((c) => `    - ${JSON.stringify(c)}`));
      lines.push('  ...');
    }
  });
  return lines.join('\n') + '\n';
}
