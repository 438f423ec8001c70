import type { ArgumentsCamelCase } from 'yargs';
import { explore, type ExploreResult } from '../../explore/explore.js';
import { ensureWritableDir, newRunDir, writeExploreReport } from '../../report/write.js';
import { EXIT, Progress, seedsFromFlags, stamp, wallNow, type RunFlags } from '../common.js';
import { printSummary } from '../print.js';

export interface RunArgs extends RunFlags {
  target: string;
}

/** `interleave run`: every seed of every chosen variant, a summary, a report, an exit code. */
export async function runCommand(a: ArgumentsCamelCase<RunArgs>, argv: readonly string[]): Promise<number> {
  const { spec, seeds } = seedsFromFlags(a, '1..100');
  ensureWritableDir(a['report-dir']);
  if (spec.startsWith('random:')) process.stdout.write(`seeds drawn for ${spec}: ${seeds.join(',')}\n`);
  const progress = new Progress();
  const t0 = wallNow();
  let failed = 0;
  const result: ExploreResult = await explore({
    target: a.target,
    variant: a.variant,
    seeds,
    strategy: a.strategy,
    faults: a.faults,
    faultRates: a['fault-rate'],
    durationMs: a.duration,
    maxSteps: a['max-steps'],
    ignore: a.ignore,
    onResult(r, i, total) {
      if (r.outcome === 'violation') failed++;
      progress.update(`${r.variant} seed ${r.seed}  ${i + 1}/${total}  failing ${failed}`, i + 1 === total);
    },
  });
  progress.done();
  const wallMs = wallNow() - t0;
  const dir = newRunDir(a['report-dir'], `${result.target}`, stamp());
  const meta = { command: `interleave ${argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length, wallMs, startedAt: stamp() };
  writeExploreReport(dir, [result], meta);
  printSummary([result], wallMs, dir);
  return result.failures.length > 0 ? EXIT.violations : EXIT.ok;
}
