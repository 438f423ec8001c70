import type { ArgumentsCamelCase } from 'yargs';
import { mergeReports, writeMergedReport } from '../../report/merge.js';
import { EXIT } from '../common.js';
import { printSummary } from '../print.js';

export interface MergeArgs {
  dirs: string[];
  out: string;
}

/** `interleave merge-reports`: joins the reports of CI shards into one, as if one run. */
export async function mergeCommand(a: ArgumentsCamelCase<MergeArgs>, argv: readonly string[]): Promise<number> {
  const merged = mergeReports(a.dirs);
  writeMergedReport(a.out, merged, `interleave ${argv.join(' ')}`);
  printSummary(merged.results, merged.summary.wallMs, a.out);
  if (merged.summary.missingShards?.length) process.stderr.write(`warning: missing shards ${merged.summary.missingShards.join(', ')}\n`);
  return merged.results.some((x) => x.failures.length > 0) ? EXIT.violations : EXIT.ok;
}
