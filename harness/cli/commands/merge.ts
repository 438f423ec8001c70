import type { ArgumentsCamelCase } from 'yargs';
import { mergeReports, writeMergedReport } from '../../report/merge.js';
import { EXIT } from '../common.js';
import { failuresText, summaryText } from '../print.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitFormats, exploreCases, parseFormats } from '../../report/formats/index.js';
import { mergePages } from '../../report/html/merge-pages.js';

export interface MergeArgs {
  dirs: string[];
  out: string;
  format?: string[];
  quiet?: boolean;
}

/** `interleave merge-reports`: joins the reports of CI shards into one, as if one run. */
export async function mergeCommand(a: ArgumentsCamelCase<MergeArgs>, argv: readonly string[]): Promise<number> {
  const formats = parseFormats(a.format, 'text');
  const merged = mergeReports(a.dirs);
  writeMergedReport(a.out, merged, `interleave ${argv.join(' ')}`);
  mergePages(a.dirs, a.out, 'interleave merge-reports', merged.results.flatMap((r) => r.failures));
  emitFormats(formats, {
    title: 'interleave merge-reports',
    cases: exploreCases(merged.results),
    wallMs: merged.summary.wallMs,
    text: () => (a.quiet === true ? failuresText(merged.results) : summaryText(merged.results, merged.summary.wallMs, a.out)),
    json: () => readFileSync(join(a.out, 'summary.json'), 'utf8'),
    markdown: () => readFileSync(join(a.out, 'summary.md'), 'utf8'),
  });
  if (merged.summary.missingShards?.length) process.stderr.write(`warning: missing shards ${merged.summary.missingShards.join(', ')}\n`);
  return merged.results.some((x) => Object.values(x.failuresByVariant).some((n) => n > 0)) ? EXIT.violations : EXIT.ok;
}
