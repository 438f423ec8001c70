import type { ArgumentsCamelCase } from 'yargs';
import { join } from 'node:path';
import { explore, partialResultOf } from '../../campaign/explore.js';
import { replay } from '../../campaign/replay-seed.js';
import { resolveExplore } from '../../campaign/resolve.js';
import { type ExploreResult } from '../../campaign/tally.js';
import { ensureWritableDir } from '../../io/dirs.js';
import { EXIT, Progress, capJobs, exploreFlags, noteCap, seedsFromFlags, type RunFlags } from '../common.js';
import { failuresText, summaryText } from '../print.js';
import { readFileSync } from 'node:fs';
import { emitFormatsAround, exploreCases, parseFormats, stdoutIsMachine } from '../../report/formats/index.js';
import { saveToCorpus } from '../../regress/index.js';
import { progressLine, shrinkFailure, shrinkLine, shrinkWorkers } from './shrink.js';
import { parseShrinkBudget, parseShrinkSame } from '../../shrink/index.js';
import { formatShard, parseShard, shardSeeds } from '../../campaign/shard.js';
import { OPEN_SEEDS_SPEC, RandomSeeds, openSeeds, parseWallTime, type SeedSeq } from '../../campaign/seeds.js';
import { UsageError } from '../../core/errors.js';
import { MACHINE_KINDS } from '../../core/violation.js';
import { Session } from '../session.js';
import { DEFAULT_OPTIONS } from '../../engine/execute.js';
import { replaySchedule, type ScheduleFile } from '../../replay/index.js';
import type { RunResult } from '../../engine/execute.js';
import type { Target } from '../../core/api.js';
import { buildView, MAX_VIEW_EVENTS, type ViewData } from '../../report/html/index.js';
import { drawRunPage, pageTrace } from '../../report/html/run-page.js';
import { realCommand } from './real.js';
import { LongRunWatch } from '../long-run.js';
import { targetRefName } from '../../target/load.js';

/** Shrinks the first failure of each (variant, kind), writes schedules, and with
 * --save-failures adds each to the regression corpus. */
async function shrinkAll(a: RunArgs, result: ExploreResult, dir: string, session: Session, say: (line: string) => void): Promise<ViewData[]> {
  const views: ViewData[] = [];
  const r = await resolveExplore({ target: a.target, variant: a.variant, ...exploreFlags(a) });
  const budget = parseShrinkBudget(a['shrink-budget']);
  const same = parseShrinkSame(a['shrink-same']);
  const seen = new Set<string>();
  const picked = result.failures.filter((f) => {
    // A stall or a heap exhaustion is not replayed thousands of times over: it is reported as found.
    if (MACHINE_KINDS.includes(f.kinds[0]!)) return false;
    // A guided failure read back by --resume kept no run, and its seed alone does not make it again.
    if (f.result === undefined && result.strategy.name === 'guided') return false;
    const key = `${f.variant}/${f.kinds[0]}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, SHRINK_LIMIT);
  for (const f of picked) {
    if (session.interrupt.stopped) return views;
    const file = join(dir, 'schedules', `${f.variant}-${f.seed}.json`.replace(/[^A-Za-z0-9_.-]+/g, '_'));
    // A failure read back by --resume kept no run: its seed runs again (the same run).
    const res = f.result ?? await replay({ target: a.target, variant: f.variant, seed: f.seed, ...exploreFlags(a), strategy: result.strategyByVariant[f.variant] ?? result.strategy });
    const done = await shrinkFailure(r, res, file, () => session.interrupt.stopped, { ...budget, same, ...progressLine(), ...shrinkWorkers({ ...a, jobs: capJobs(a.jobs) }, r) });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    say(`shrunk ${f.variant} seed ${f.seed} (${f.kinds[0]}): ${shrinkLine(done.shrink)}\n  signature: ${done.shrink.signature}\n  schedule: ${file}\n  replay: npx interleave replay --schedule ${file} --trace\n`);
    if (a['save-failures'] === true) {
      const saved = saveToCorpus(a['seeds-dir'], done.schedule);
      say(`  saved to the corpus: ${saved}\n`);
    }
    // The shrunk schedule's view leads index.html: the shortest story of the bug.
    const rep = await replaySchedule(done.schedule, r.target, { base: { ...DEFAULT_OPTIONS, traceAll: true } });
    const view = buildView(rep.result, `npx interleave replay --schedule ${file}`, undefined, true);
    views.push({ ...view, id: `${view.id}-shrunk`, label: 'shrunk' });
    say(`  view: ${join(dir, 'index.html')}#${view.id}-shrunk\n`);
  }
  return views;
}

export interface RunArgs extends RunFlags {
  target: string;
  shrink?: boolean;
  'save-failures'?: boolean;
  'shrink-budget'?: string;
  'shrink-same'?: string;
  'seeds-dir': string;
  jobs?: number;
  shard?: string;
  resume?: string;
  'max-failure-files'?: number;
  format?: string[];
  quiet?: boolean;
  time?: string;
  'until-fail'?: boolean;
  /** `--real`: Node's own loop, no simulation (commands/real.ts). */
  real?: boolean;
  runs?: number;
}

/** A guided failure's view: its schedule replayed, as its seed alone would not make the run again. */
async function replayGuided(s: ScheduleFile, target: Target, tailOnly: boolean, replayCommand: string): Promise<RunResult> {
  const base = tailOnly ? { ...DEFAULT_OPTIONS, traceWindow: MAX_VIEW_EVENTS } : { ...DEFAULT_OPTIONS, traceAll: true };
  const rep = await replaySchedule(s, target, { base });
  return { ...rep.result, replayCommand } as RunResult;
}

/** A signal came while the target loaded: an interrupted report of no runs, and the journal to resume. */
function startupInterrupted(session: Session, spec: string, seedCount: number, say: (l: string) => void): number {
  session.finish([], { command: `interleave run ${session.header.argv.join(' ')}`, seedSpec: spec, seedCount });
  say(`interrupted before any seed ran: continue with  npx interleave run --resume ${session.dir}\n`);
  return session.exitCode(EXIT.ok);
}

/** What random:N drew: its first seeds, and the spec that draws them all again (on any machine). */
function drawnLine(seeds: RandomSeeds): string {
  const first: string[] = [];
  for (let i = 0; i < Math.min(5, seeds.length); i++) first.push(seeds.at(i)!);
  return `seeds drawn for random:${seeds.length}: ${first.join(',')}${seeds.length > 5 ? `,… (${seeds.length} in all)` : ''}; draw them again with --seeds ${seeds.spec}`;
}

/** Shrinking is slow next to a run: shrink at most this many failures, one per (variant, kind) first. */
const SHRINK_LIMIT = 10;

/** `interleave run`: every seed of every chosen variant, a journal, a summary, a report, an exit code. */
export async function runCommand(a: ArgumentsCamelCase<RunArgs>, argv: readonly string[]): Promise<number> {
  if (a.real === true) return realCommand(a);
  if (a.runs !== undefined) throw new UsageError('--runs belongs to --real (the simulation runs --seeds)');
  // --time and --until-fail: a budget a person thinks in. Without --seeds, the seeds are 1, 2, 3, …
  const timeMs = a.time === undefined ? undefined : parseWallTime(String(a.time));
  const untilFail = a['until-fail'] === true;
  const open = a.seeds === undefined && a.seed === undefined && (timeMs !== undefined || untilFail);
  const { spec, seeds: all } = open ? { spec: OPEN_SEEDS_SPEC, seeds: openSeeds() } : seedsFromFlags(a, '1..100', a.resume !== undefined);
  const shard = a.shard === undefined ? undefined : parseShard(a.shard);
  if (shard && /^random:\d+$/.test(spec.trim())) throw new UsageError(`--shard splits one seed list: random:N would draw different seeds on each machine; give every machine one stream: --seeds ${spec.trim()}@S (any number S)`);
  if (shard && open) throw new UsageError(`--shard splits a seed list: with ${timeMs !== undefined ? '--time' : '--until-fail'} give one, e.g. --seeds 1..10000`);
  ensureWritableDir(a['report-dir']);
  // Checked before any seed runs, whether or not --shrink is given: a typo never waits for the runs.
  parseShrinkBudget(a['shrink-budget']);
  parseShrinkSame(a['shrink-same']);
  const formats = parseFormats(a.format, 'text');
  // With a machine format on stdout, every human line goes to stderr.
  const say = stdoutIsMachine(formats) ? (l: string) => process.stderr.write(l) : (l: string) => process.stdout.write(l);
  const flags = exploreFlags(a);
  const name = targetRefName(a.target);
  if (shard && shardSeeds(all, shard).length === 0) throw new UsageError(`shard ${formatShard(shard)} has no seeds (the list has ${all.length})`);
  // The cheap checks are done: the report directory and its journal come before anything slow,
  // so a signal or a kill from here on leaves a journal to --resume.
  const session = a.resume !== undefined
    ? Session.resume(a.resume)
    : Session.start({ reportDir: a['report-dir'], name, command: 'run', argv: argv.slice(1), seedSpec: spec, seeds: all });
  // Loads the target and checks the flags that depend on it; failing, it takes an empty directory with it.
  const resolved = await session.starting(resolveExplore({ target: a.target, variant: a.variant, ...flags }));
  if (resolved === null) return startupInterrupted(session, spec, all.length, say);
  const listed = session.seedsFor(all);
  const seeds: SeedSeq = shard ? shardSeeds(listed, shard) : listed;
  if (listed instanceof RandomSeeds && a.resume === undefined && a.quiet !== true) say(`${drawnLine(listed)}\n`);
  if (a.resume !== undefined) say(`resuming ${session.dir}: ${session.resumed().size} ${open ? 'runs' : `of ${seeds.length * resolved.variants.length} runs`} already made${timeMs !== undefined ? ` (--time counts afresh from now)` : ''}\n`);
  const jobs = capJobs(a.jobs);
  noteCap(a.jobs, jobs);
  const progress = new Progress();
  // A budget bounds an open or timed run; a fixed list says so if it would run past a day.
  const long = open || timeMs !== undefined ? null : new LongRunWatch(`--seeds ${spec}${shard ? ` --shard ${formatShard(shard)}` : ''}`, seeds.length * resolved.variants.length, (l) => process.stderr.write(l));
  let failed = 0;
  let network = false;
  let ran = 0;
  let result: ExploreResult;
  try {
    result = await explore({
      target: a.target,
      variant: a.variant,
      seeds,
      ...flags,
      jobs,
      ...(a['max-failure-files'] !== undefined ? { maxFailureFiles: a['max-failure-files'] } : {}),
      resumed: session.resumed(),
      reportDir: session.dir,
      onEntry: session.onEntry('', resolved.targetRef),
      shouldStop: () => session.interrupt.stopped,
      ...(untilFail ? { untilFail: true } : {}),
      // Wall time decides only when to stop drawing seeds: each seed's run is the same either way.
      ...(timeMs !== undefined ? { stopDrawing: () => session.wallMs >= timeMs } : {}),
      onResult(r, i, total) {
        if (r.outcome === 'violation') failed++;
        if (r.network === true) network = true;
        ran++;
        long?.seen(i + 1, session.wallMs);
        if (open || timeMs !== undefined) progress.budget(i + 1, failed, timeMs === undefined ? undefined : timeMs - session.wallMs, `${r.variant} seed ${r.seed}`);
        else progress.update(i + 1, total, failed, `${r.variant} seed ${r.seed}`);
      },
    });
  } catch (e) {
    progress.done();
    const partial = partialResultOf(e);
    session.failed(e, partial !== undefined ? [partial] : [], { command: `interleave run ${session.header.argv.join(' ')}`, seedSpec: spec, seedCount: seeds.length, ...(shard ? { shard } : {}) });
    throw e;
  }
  progress.done();
  const netKinds = (a.faults ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter((f) => f !== 'spurious' && f !== 'all' && f !== 'none' && f !== '');
  if (ran > 0 && !network && netKinds.length > 0) process.stderr.write(`interleave: --faults ${netKinds.join(',')}: ${resolved.target.name} makes no network nodes, so only spurious (condvar wakeups) applies to it\n`);
  // Under a budget the report covers the seeds that ran: an open range is stated as what it reached.
  const covered = result.budget?.seeds ?? seeds.length;
  const seedSpec = open ? (covered > 0 ? `1..${covered}` : OPEN_SEEDS_SPEC) : spec;
  const stop = result.budget === undefined ? {} : { budget: {
    ...(timeMs !== undefined ? { timeMs } : {}), untilFail, open, stoppedBy: result.budget.stoppedBy, seeds: result.budget.seeds, lastSeed: result.budget.lastSeed,
  } };
  session.finish([result], { command: `interleave run ${session.header.argv.join(' ')}`, seedSpec, seedCount: covered, ...(shard ? { shard } : {}), ...stop });
  const interrupted = result.interrupted === true ? `interrupted after ${result.runs} ${open ? '' : `of ${seeds.length * result.variants.length} `}runs: continue with  npx interleave run --resume ${session.dir}\n` : '';
  const report = {
    title: `interleave run ${resolved.target.name}`,
    cases: exploreCases([result]),
    wallMs: session.wallMs,
    text: () => (a.quiet === true ? failuresText([result]) : summaryText([result], session.wallMs, session.dir)) + interrupted,
    json: () => readFileSync(join(session.dir, 'summary.json'), 'utf8'),
    markdown: () => readFileSync(join(session.dir, 'summary.md'), 'utf8'),
  };
  await emitFormatsAround(formats, report, async () => {
    if (stdoutIsMachine(formats) && interrupted !== '') process.stderr.write(interrupted);
    await shrinkAndDraw(a, result, session, resolved.target, flags, say);
  });
  return session.exitCode(result.failures.length > 0 || Object.values(result.failuresByVariant).some((n) => n > 0) ? EXIT.violations : EXIT.ok);
}

/** Shrinks the failures asked for, then draws index.html (the shrunk schedules' views first). */
async function shrinkAndDraw(a: ArgumentsCamelCase<RunArgs>, result: ExploreResult, session: Session, target: Target, flags: ReturnType<typeof exploreFlags>, say: (l: string) => void): Promise<void> {
  const name = target.name;
  const shrunk = (a.shrink === true || a['save-failures'] === true) && !session.interrupt.stopped ? await shrinkAll(a, result, session.dir, session, say) : [];
  // The page is a view of a finished report: failing to draw it is a warning, never the run's verdict.
  const page = session.interrupt.stopped ? null : await drawRunPage({
    dir: session.dir, title: `interleave run ${name}`, failures: result.failures, first: shrunk,
    // In-process: these seeds already ran to completion under the watchdog; a host target's in a
    // worker (ctx.host.import needs the flag host workers get). With the variant's fitted
    // strategy, so no replay runs the fitting pilot again.
    replayOne: (f, tailOnly) => f.result?.schedule !== undefined ? replayGuided(f.result.schedule, target, tailOnly, f.replayCommand) : replay({
      target: a.target, variant: f.variant, seed: f.seed, ...flags, strategy: result.strategyByVariant[f.variant] ?? result.strategy,
      inline: target.host !== true, ...pageTrace(tailOnly),
    }),
    stopped: () => session.interrupt.stopped,
  });
  if (page !== null && a.quiet !== true) say(`space-time view: ${page}\n`);
}
