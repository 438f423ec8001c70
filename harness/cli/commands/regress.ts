import { join } from 'node:path';
import type { ArgumentsCamelCase } from 'yargs';
import { formatTap, regress, regressExitCode } from '../../regress/index.js';
import { statusLabel, type RegressReport } from '../../regress/regress.js';
import { emitFormats, parseFormats, regressCases } from '../../report/formats/index.js';
import { loadTarget } from '../../target/load.js';
import { Interrupt } from '../signals.js';

export interface RegressArgs {
  dir: string;
  accept?: boolean;
  'target-path'?: string[];
  format?: string[];
  quiet?: boolean;
}

/** The job summary of a corpus replay: a table of the entries that need a look, then the counts. */
function regressMarkdown(report: RegressReport): string {
  const count = (s: string): number => report.entries.filter((e) => e.status === s).length;
  const lines = ['# interleave regress', '', `${report.dir}: ok ${count('ok')}, changed ${count('changed')}, stale ${count('stale')}, error ${count('error')}`, ''];
  const look = report.entries.filter((e) => e.status !== 'ok');
  if (look.length > 0) {
    lines.push('| entry | status | expected | got | note |', '|---|---|---|---|---|');
    for (const e of look) lines.push(`| ${e.path} | ${statusLabel(e)}${e.accepted === true ? ' (accepted)' : ''} | ${e.expected ?? '—'} | ${e.actual ?? '—'} | ${(e.rerecord ?? e.message).replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}

/** `interleave regress`: replays the corpus, prints TAP, exit 0 when every outcome is as expected. */
export async function regressCommand(a: ArgumentsCamelCase<RegressArgs>): Promise<number> {
  const formats = parseFormats(a.format, 'tap');
  const interrupt = new Interrupt();
  try {
    const report = await regress({ dir: a.dir, accept: a.accept === true, searchPaths: a['target-path'] ?? [], resolveTarget: async (ref) => (await loadTarget(ref)).target, shouldStop: () => interrupt.stopped });
    emitFormats(formats, {
      title: 'interleave regress',
      cases: regressCases(report),
      wallMs: 0,
      text: () => (a.quiet === true ? formatTap({ ...report, entries: report.entries.filter((e) => e.status === 'changed' || e.status === 'error') }) : formatTap(report)),
      tap: () => formatTap(report),
      json: () => JSON.stringify(report, null, 2) + '\n',
      markdown: () => regressMarkdown(report),
    });
    // Every other entry was still replayed and reported; the unreadable ones get a line each.
    for (const e of report.entries) if (e.badInput === true) process.stderr.write(`interleave: ${join(report.dir, e.path)}: ${e.message}\n`);
    return interrupt.code() ?? regressExitCode(report);
  } finally {
    interrupt.dispose();
  }
}
