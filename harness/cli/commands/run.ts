import type { ArgumentsCamelCase } from 'yargs';
import { explore, type ExploreResult } from '../../explore/explore.js';
import { ensureWritableDir, newRunDir, writeExploreReport } from '../../report/write.js';
import { EXIT, Progress, capJobs, exploreFlags, seedsFromFlags, stamp, wallNow, type RunFlags } from '../common.js';
import { printSummary } from '../print.js';
import { resolveExplore } from '../../explore/explore.js';
import { saveToCorpus } from '../../regress/index.js';
import { shrinkFailure, shrinkLine } from './shrink.js';
import { join } from 'node:path';
import { formatShard, parseShard, shardSeeds } from '../../explore/shard.js';
import { UsageError } from '../../sched/index.js';
import { MACHINE_KINDS } from '../../core/violation.js';

/** Shrinks the first failure of each (variant, kind), writes schedules, and with
 * --save-failures adds each to the regression corpus. */
async function shrinkAll(a: RunArgs, result: ExploreResult, dir: string): Promise<void> {
  const r = await resolveExplore({ target: a.target, variant: a.variant, ...exploreFlags(a) });
  const seen = new Set<string>();
  const picked = result.failures.filter((f) => {
    // A stall or a heap exhaustion is not replayed thousands of times over: it is reported as found.
    if (MACHINE_KINDS.includes(f.kinds[0]!)) return false;
    const key = `${f.variant}/${f.kinds[0]}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, SHRINK_LIMIT);
  for (const f of picked) {
    const file = join(dir, 'schedules', `${f.variant}-${f.seed}.json`.replace(/[^A-Za-z0-9_.-]+/g, '_'));
    const done = await shrinkFailure(r, f.result, file);
    process.stdout.write(`shrunk ${f.variant} seed ${f.seed} (${f.kinds[0]}): ${shrinkLine(done.shrink)}\n  schedule: ${file}\n`);
    if (a['save-failures'] === true) {
      const saved = saveToCorpus(a['seeds-dir'], done.schedule);
      process.stdout.write(`  saved to the corpus: ${saved}\n`);
    }
  }
}

export interface RunArgs extends RunFlags {
  target: string;
  shrink?: boolean;
  'save-failures'?: boolean;
  'seeds-dir': string;
  jobs?: number;
  shard?: string;
}

/** Shrinking is slow next to a run: shrink at most this many failures, one per (variant, kind) first. */
const SHRINK_LIMIT = 10;

/** `interleave run`: every seed of every chosen variant, a summary, a report, an exit code. */
export async function runCommand(a: ArgumentsCamelCase<RunArgs>, argv: readonly string[]): Promise<number> {
  const { spec, seeds: all } = seedsFromFlags(a, '1..100');
  const shard = a.shard === undefined ? undefined : parseShard(a.shard);
  if (shard && spec.startsWith('random:')) throw new UsageError('--shard splits one seed list: random:N would draw different seeds on each machine');
  const seeds = shard ? shardSeeds(all, shard) : all;
  if (seeds.length === 0) throw new UsageError(`shard ${formatShard(shard!)} has no seeds (the list has ${all.length})`);
  ensureWritableDir(a['report-dir']);
  if (spec.startsWith('random:')) process.stdout.write(`seeds drawn for ${spec}: ${seeds.join(',')}\n`);
  const progress = new Progress();
  const t0 = wallNow();
  // First Ctrl-C: finish the current seed, then report what ran. Second: leave at once.
  let stop = false;
  const onInt = (): void => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\ninterleave: interrupted: writing the report of the runs made so far (Ctrl-C again to quit)\n');
  };
  process.on('SIGINT', onInt);
  let failed = 0;
  const result: ExploreResult = await explore({
    target: a.target,
    variant: a.variant,
    seeds,
    ...exploreFlags(a),
    jobs: capJobs(a.jobs),
    shouldStop: () => stop,
    onResult(r, i, total) {
      if (r.outcome === 'violation') failed++;
      progress.update(`${r.variant} seed ${r.seed}  ${i + 1}/${total}  failing ${failed}`, i + 1 === total);
    },
  });
  progress.done();
  process.off('SIGINT', onInt);
  const wallMs = wallNow() - t0;
  const dir = newRunDir(a['report-dir'], `${result.target}`, stamp());
  const meta = { command: `interleave ${argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length, wallMs, startedAt: stamp(), ...(shard ? { shard } : {}) };
  writeExploreReport(dir, [result], meta);
  printSummary([result], wallMs, dir);
  if (result.interrupted === true) process.stdout.write(`interrupted after ${result.runs} of ${seeds.length * result.variants.length} runs\n`);
  if (a.shrink === true || a['save-failures'] === true) await shrinkAll(a, result, dir);
  if (result.failures.length > 0) return EXIT.violations;
  return result.interrupted === true ? 130 : EXIT.ok;
}
