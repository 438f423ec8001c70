import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { strategyNames } from '../strategies/index.js';
import { EXIT, fail, runOptions } from './common.js';
import { runCommand } from './commands/run.js';
import { replayCommandRun } from './commands/replay.js';
import { listCommand } from './commands/list.js';
import { campaignCommand } from './commands/campaign.js';
import { shrinkCommand } from './commands/shrink.js';
import { regressCommand } from './commands/regress.js';
import { mergeCommand } from './commands/merge.js';
import { initCommand } from './commands/init.js';
import { checkHistoryCommand } from './commands/check-history.js';
import { explainUnknown, optionNames } from './suggest.js';
import { checkNetFlag } from '../faults/knobs.js';
import { HARNESS_VERSION } from '../version.js';
import { readJournal } from '../campaign/journal.js';
import { dieWithLauncher } from './relaunch.js';
import { messageLine, UsageError } from '../core/errors.js';
import type { InternalReport } from './session.js';
import { SIGNAL_EXIT, takeHeldSignal } from './signals.js';

/** Each command resolves to an exit code; bad input anywhere becomes one line and exit 2. */
async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const set = (p: Promise<number>): Promise<void> => p.then((c) => { code = c; });
  const cli = yargs(argv);
  await cli
    .scriptName('interleave')
    .version(HARNESS_VERSION)
    .command('run <target>', 'explore seeds of a target (bundled name or path to a target file)', (y) =>
      runOptions(y.positional('target', { type: 'string', demandOption: true }))
        .option('seeds', { type: 'string', describe: 'seed list: A..B, a,b,c or random:N (default 1..100; with --time or --until-fail, 1, 2, 3, … until one of them stops it)' })
        .option('seed', { type: 'string', describe: 'one seed' })
        .option('time', { type: 'string', describe: 'wall time to keep running seeds for: 30s, 5m, 2h (a bare number is refused); seeds under way finish, and which seeds fail never depends on it' })
        .option('until-fail', { type: 'boolean', describe: 'stop at the first failing seed (the lowest, at any --jobs); with --shrink, shrink it' })
        .option('report-dir', { type: 'string', default: 'reports', describe: 'where reports are written' })
        .option('shrink', { type: 'boolean', describe: 'shrink the first failure of each variant and kind to a schedule file' })
        .option('save-failures', { type: 'boolean', describe: 'shrink failures and add them to the regression corpus' })
        .option('shrink-budget', { type: 'string', describe: 'per failure: wall time (60s, the default) or candidate runs (2000runs, deterministic)' })
        .option('shrink-same', { type: 'string', describe: 'what a shrunk failure must keep: signature (the default: the same assertion, error or object) or kind (any failure of its kind)' })
        .option('seeds-dir', { type: 'string', default: 'seeds', describe: 'the regression corpus (for --save-failures)' })
        .option('jobs', { type: 'number', describe: 'worker threads (results do not depend on it)' })
        .option('shard', { type: 'string', describe: 'run shard i of n of the seed list: i/n (CI job matrix)' })
        .option('max-failure-files', { type: 'number', describe: 'failure files per variant and kind (default 50); every failing seed stays in summary.json and journal.jsonl' })
        .option('resume', { type: 'string', describe: 'continue an interrupted run from its report directory (its journal holds the command)' })
        .option('format', { type: 'string', array: true, describe: 'output format, repeatable: text, json, junit, tap, markdown, github; name=path writes a file (at most one to stdout)' })
        .option('real', { type: 'boolean', describe: 'run a single-process host target (sim.process) on Node\'s own event loop, real timers, no simulation: --runs times per variant, each in a fresh process; prints how often each violation kind occurs (--duration: real ms per run)' })
        .option('runs', { type: 'number', describe: 'with --real: runs per variant (default 30)' })
        .example('$0 run bounded-buffer --seeds 1..500', 'every variant of a bundled target, 500 seeds each')
        .example('$0 run ./my-target.ts --time 5m', 'seeds 1, 2, 3, … for five minutes; the summary says how many seeds each failure took')
        .example('$0 run ./my-target.ts --variant buggy --until-fail --shrink', 'until the first failing seed, then shrink it')
        .example('$0 run ./my-target.ts --variant buggy --seeds 1..50 --shrink', 'your target by path; shrink the first failure to a schedule file')
        .example('$0 run ./my-target.ts --seeds random:2000 --format github --format junit=interleave.xml', 'in CI: fresh seeds each run (printed), annotations and JUnit')
        .example('$0 run raft --seeds 1..3000 --shard 1/3 --report-dir shard-1', 'one of three CI jobs; join them with merge-reports'),
      (a) => set(runCommand(a as never, argv)))
    .command('replay [target]', 'rerun one seed (or a schedule file) exactly; prints its decision hash', (y) =>
      runOptions(y.positional('target', { type: 'string' }))
        .option('seed', { type: 'string', describe: 'the seed to replay' })
        .option('schedule', { type: 'string', describe: 'a schedule file (from shrink or seeds/) to replay strictly' })
        .option('target-path', { type: 'string', array: true, describe: 'where to look for a schedule\'s target file when it is not where the schedule says: a project root or the folder holding it (repeatable)' })
        .option('save-schedule', { type: 'string', describe: 'write this run as a schedule file (e.g. a passing entry for seeds/)' })
        .option('html', { type: 'string', describe: 'write the run as a self-contained space-time page (out.html)' })
        .option('trace', { type: 'string', describe: 'print the timeline: step, time, task, operation, payload, result; quiet ticks folded (--trace=all: every line)' })
        .example('$0 replay bounded-buffer --variant check-outside-lock --seed 2 --trace', 'one failing seed again, with its timeline')
        .example('$0 replay --schedule seeds/latch/check-outside-lock-lost-wakeup-1.json', 'a schedule file, strictly (exit 4 if it no longer reproduces)')
        .example('$0 replay ./my-target.ts --variant correct --seed 7 --save-schedule seeds/my-target/correct-7.json', 'record a passing run for the corpus'),
      (a) => set(replayCommandRun(a as never)))
    .command('shrink <target>', 'minimize a failing seed to a short schedule file', (y) =>
      runOptions(y.positional('target', { type: 'string', demandOption: true }))
        .option('seed', { type: 'string', describe: 'the failing seed' })
        .option('out', { type: 'string', describe: 'schedule file to write (default <report-dir>/schedules/…)' })
        .option('shrink-budget', { type: 'string', describe: 'wall time (60s, the default) or candidate runs (2000runs, deterministic)' })
        .option('shrink-same', { type: 'string', describe: 'what the shrunk failure must keep: signature (the default: the same assertion, error or object) or kind (any failure of its kind)' })
        .option('jobs', { type: 'number', describe: 'worker threads for a network failure\'s candidates (the result for a budget in runs does not depend on it)' })
        .option('html', { type: 'string', describe: 'also write the shrunk run as a self-contained space-time page (out.html)' })
        .option('report-dir', { type: 'string', default: 'reports' })
        .example('$0 shrink latch --variant check-outside-lock --seed 1', 'the shortest schedule that still shows the violation')
        .example('$0 shrink ./my-target.ts --variant buggy --seed 12 --out seeds/my-target/buggy-12.json', 'into the regression corpus'),
      (a) => set(shrinkCommand(a as never)))
    .command('regress [dir]', 'replay every schedule in the regression corpus; TAP output', (y) =>
      y.positional('dir', { type: 'string', default: 'seeds' })
        .option('accept', { type: 'boolean', describe: 'rewrite the expectations that changed (after fixing a bug)' })
        .option('target-path', { type: 'string', array: true, describe: 'where to look for a schedule\'s target file when it is not where the schedule says: a project root or the folder holding it (repeatable)' })
        .example('$0 regress ../copied-seeds --target-path .', 'a corpus copied elsewhere: find its target files under this project')
        .option('format', { type: 'string', array: true, describe: 'output format, repeatable: text, json, junit, tap, markdown, github; name=path writes a file (at most one to stdout)' })
        .example('$0 regress', 'replay every schedule in seeds/ (TAP)')
        .example('$0 regress seeds --format junit=regress.xml', 'and write JUnit for CI')
        .example('$0 regress --accept', 'after fixing a bug: rewrite the expectations that changed'),
      (a) => set(regressCommand(a as never)))
    .command('merge-reports <dirs..>', 'join the report dirs of --shard runs into one report', (y) =>
      y.positional('dirs', { type: 'string', array: true, demandOption: true })
        .option('out', { type: 'string', demandOption: true, describe: 'directory for the merged report' })
        .option('format', { type: 'string', array: true, describe: 'output format, repeatable: text, json, junit, tap, markdown, github; name=path writes a file (at most one to stdout)' })
        .example('$0 merge-reports shard-1/* shard-2/* shard-3/* --out merged', 'join the reports of run --shard 1/3, 2/3 and 3/3')
        .example('$0 merge-reports shard-*/* --out merged --format junit=merged.xml', 'and write one JUnit file'),
      (a) => set(mergeCommand(a as never, argv)))
    .command('list [target]', 'bundled targets and their variants; or one target, bundled or a file', (y) =>
      y.positional('target', { type: 'string', describe: 'a bundled name or a path to a target file' })
        .example('$0 list', 'every bundled target, its variants and what each is expected to show')
        .example('$0 list ./my-target.ts', 'your target\'s name, description and variants'),
      (a) => set(listCommand(a.target)))
    .command('init [path]', 'write a commented target file to start from (default ./my-target.ts)', (y) =>
      y.positional('path', { type: 'string', describe: 'the file to write (.ts, .mts, .js or .mjs); never overwritten' })
        .option('threads', { type: 'boolean', describe: 'simulated threads: a mutex and a condition variable (the default)' })
        .option('nodes', { type: 'boolean', describe: 'network nodes: messages, retries, crashes, storage' })
        .option('host', { type: 'boolean', describe: 'host mode, one process: a lock library of its own with an acquire timeout (sim.process), also runnable with run --real' })
        .conflicts('threads', 'nodes')
        .example('$0 init', 'a thread target in ./my-target.ts, with a correct variant and a planted bug')
        .example('$0 init targets/counter.ts --nodes', 'a network target instead')
        .example('$0 init my-lock.ts --host', 'a single-process host target: your own library, unmodified, under a workload')
        .example('$0 run ./my-target.ts', 'then run it: the correct variant stays clean, the bug is caught'),
      (a) => set(Promise.resolve(initCommand(a))))
    .command('campaign', 'every bundled target and variant: correct ones stay clean, buggy ones are caught', (y) =>
      y.option('seeds', { type: 'string', describe: 'seeds per variant (default 1..300)' })
        .option('strategy', { type: 'string', describe: 'exploration strategy (default: a portfolio for network targets, random for thread targets)' })
        .option('target', { type: 'string', array: true, describe: 'limit to these bundled targets' })
        .option('max-seeds', { type: 'number', describe: 'a buggy variant not caught within --seeds runs on, up to this many seeds (default 20× --seeds)' })
        .option('jobs', { type: 'number', default: 1, describe: 'worker threads (results do not depend on it)' })
        .option('max-failure-files', { type: 'number', describe: 'failure files per variant and kind (default 50)' })
        .option('resume', { type: 'string', describe: 'continue an interrupted campaign from its report directory' })
        .option('format', { type: 'string', array: true, describe: 'output format, repeatable: text, json, junit, tap, markdown, github; name=path writes a file (at most one to stdout)' })
        .option('report-dir', { type: 'string', default: 'reports' })
        .example('$0 campaign --jobs 2', 'every bundled target and variant: correct clean, each bug caught')
        .example('$0 campaign --target ./my-target.ts --seeds 1..500', 'your target, checked against its expect field')
        .example('$0 campaign --target raft --format junit=campaign.xml', 'one bundled target, with JUnit for CI'),
      (a) => set(campaignCommand(a as never, argv)))
    .command('check-history <file>', 'check a client history for linearizability against a model (exit 0 yes, 1 no, 2 bad input, 3 unknown)', (y) =>
      y.positional('file', { type: 'string', demandOption: true, describe: 'JSON lines, Jepsen EDN maps or jepsen.util log lines (docs/linearizability.md)' })
        .option('model', { type: 'string', demandOption: true, describe: 'register, cas-register, kv, counter, set, queue, or a path to a module exporting a model' })
        .option('format', { type: 'string', describe: 'auto (the default), jsonl, edn, edn-list or jepsen-log' })
        .option('budget', { type: 'string', describe: 'give up with "unknown" (exit 3) after a wall time (60s, the default) or a number of search steps (500000steps)' })
        .option('html', { type: 'string', describe: 'also draw the history as a page (out.html): a bar per operation per client, the violating window in red' })
        .example('$0 check-history --model cas-register etcd.log', 'a Jepsen etcd history')
        .example('$0 check-history --model kv --budget 2000000steps history.jsonl', 'a deterministic budget'),
      (a) => set(checkHistoryCommand(a as never)))
    .option('debug', { type: 'boolean', describe: 'print the stack trace of an internal error' })
    .option('quiet', { type: 'boolean', describe: 'print only the failures (run, campaign, regress text, merge-reports)' })
    .check(checkFlagValues, true)
    .demandCommand(1, `give a command: ${COMMANDS.join(', ')}`)
    .strict()
    .epilogue(`strategies: ${strategyNames().join(', ')}.\nExit codes: 0 no violation found; 1 violations found (campaign, regress: an outcome not as expected); 2 bad input; 3 internal error (names the worker and seed; run and campaign write the stack to <report-dir>/internal-error.txt and keep the journal for --resume; --debug prints it, with any command); 4 replay --schedule did not reproduce the recorded run (outcome or hash differs, or it diverged); 130 interrupted (SIGINT), 143 terminated (SIGTERM).`)
    .fail((msg, err) => {
      if (err instanceof UsageError) fail(err.message);
      if (err) throw err;
      fail(explainUnknown(msg, argv, optionNames(cli), COMMANDS));
    })
    .help()
    .parseAsync();
  return code;
}

// `interleave run … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/**
 * `--seeds -5..3` would reach yargs as an unknown flag `-5` ("Unknown argument: 5"): join a
 * value that starts with a dash to its seed flag, so the seed parser can say what is wrong.
 */
function joinDashValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if ((a === '--seeds' || a === '--seed' || a === '--time') && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

const COMMANDS = ['run', 'replay', 'shrink', 'regress', 'merge-reports', 'list', 'campaign', 'init', 'check-history'];

/** Flags that take several values; any other flag given twice is an error, not a silent array. */
const MANY = new Set(['target-path', 'targetPath', 'faults', 'fault-rate', 'ignore', 'net', 'workload', 'target', 'dirs', 'format', '_']);

/**
 * yargs turns a repeated flag into an array and a non-number into NaN, which would surface far
 * from the flag ("unknown strategy 'undefined'"); name the flag instead.
 */
function checkFlagValues(argv: Record<string, unknown>): true {
  for (const [k, v] of Object.entries(argv)) {
    if (k === '$0' || /[A-Z]/.test(k)) continue;
    if (Array.isArray(v) && !MANY.has(k)) throw new UsageError(`--${k} given more than once (${v.map(String).join(', ')}): give it once`);
    if (typeof v === 'number' && Number.isNaN(v)) throw new UsageError(`--${k} must be a number`);
    if (k === 'net' && Array.isArray(v)) checkNetFlag(v);
  }
  return true;
}

/**
 * `run --resume dir` and `campaign --resume dir` run the journal's own command again: the flags
 * that made the seeds are the ones recorded, not whatever else is typed now.
 */
function resumeArgs(args: readonly string[]): string[] {
  const at = args.findIndex((a) => a === '--resume' || a.startsWith('--resume='));
  if (at < 0) return [...args];
  const dir = args[at]!.includes('=') ? args[at]!.slice('--resume='.length) : args[at + 1];
  if (dir === undefined || dir.length === 0) throw new UsageError('--resume needs the report directory of the run to continue');
  const rest = args.filter((_a, i) => i !== at && !(i === at + 1 && !args[at]!.includes('=')));
  const cmd = rest[0];
  if (cmd !== 'run' && cmd !== 'campaign') throw new UsageError('--resume belongs to run and campaign');
  // --debug changes what an internal error prints, never what runs: it may be given on any resume.
  const debug = rest.includes('--debug') ? ['--debug'] : [];
  const given = splitOutputFlags(rest.slice(1).filter((a) => a !== '--debug'));
  if (given.rest.length > 0) throw new UsageError(`--resume takes the command and its flags from ${dir}'s journal: give no others but --quiet, --format and --debug (got ${rest.slice(1).join(' ')})`);
  const { header } = readJournal(dir);
  if (header.command !== cmd) throw new UsageError(`${dir} holds a ${header.command}, not a ${cmd}: use interleave ${header.command} --resume ${dir}`);
  // What is printed may change on resume; what is run may not. Output flags given now replace the journal's.
  const recorded = (given.output.length > 0 ? splitOutputFlags(header.argv).rest : header.argv).filter((a) => a !== '--debug');
  return [cmd, ...recorded, ...given.output, ...debug, '--resume', dir];
}

/** `args` split into the output-only flags (`--quiet`, `--format X`) and the rest. */
function splitOutputFlags(args: readonly string[]): { output: string[]; rest: string[] } {
  const output: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--quiet' || a.startsWith('--format=')) output.push(a);
    else if (a === '--format' && i + 1 < args.length) output.push(a, args[++i]!);
    else rest.push(a);
  }
  return { output, rest };
}

/**
 * An internal error's lines: its message (the line that says what went wrong, never a stack's
 * first line, which for a loader error is a file:line), where its stack was written and how to
 * go on from the runs made (run, campaign: Session.failed); with --debug, the stack itself.
 */
function internalErrorText(e: unknown, debug: boolean): string {
  if (!(e instanceof Error)) return `interleave: internal error: ${String(e)}\n`;
  const detail = (e as { detail?: unknown }).detail;
  const report = (e as { report?: InternalReport }).report;
  const lines = [`interleave: internal error: ${messageLine(e.message)}`];
  if (report !== undefined) {
    lines.push(report.stackFile !== null ? `interleave: the stack is in ${report.stackFile}` : 'interleave: the stack could not be written to the report directory: --debug prints it');
    lines.push(`interleave: ${report.summary ? 'the runs made so far are in its summary and journal' : 'its journal is kept'}: continue with  npx ${report.resume}`);
  }
  if (debug) lines.push(e.stack ?? e.message, ...(typeof detail === 'string' ? ['in the worker:', detail] : []));
  else if (report === undefined) lines.push('interleave: --debug prints the stack');
  return lines.join('\n') + '\n';
}

function start(): Promise<number> {
  dieWithLauncher();
  try {
    return main(resumeArgs(joinDashValues(hideBin(process.argv))));
  } catch (e) {
    return Promise.reject(e);
  }
}

start().then(
  (ended) => {
    // A signal held since start-up that no command took over (main.ts) still decides the exit code.
    const held = takeHeldSignal();
    const code = held !== null ? SIGNAL_EXIT[held] : ended;
    // Exit explicitly once output is flushed: a target that escaped the simulation may have left a
    // real timer behind, and the process must not wait for it after the verdict is in.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    if (e instanceof UsageError) fail(e.message);
    process.stderr.write(internalErrorText(e, process.argv.includes('--debug')));
    process.exitCode = EXIT.internal;
  },
);
