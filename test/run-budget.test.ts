/**
 * `run --time` and `run --until-fail`, as a user runs them: budgets a person thinks in. Wall time
 * decides only when to stop drawing seeds; which seeds fail, and every run's decision hash, are
 * those of a fixed-range run of the same seeds, at any --jobs.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jobQueue from './fixtures/job-queue.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { SeedRange } from '../dist/harness/campaign/seeds.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'interleave-budget-'));
// The job queue of issue 25: `unlocked-signal` first fails within a few dozen seeds (a lost
// wakeup), `correct` never does.
const JOB_QUEUE = join(root, 'test/fixtures/job-queue.ts');

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The one report directory under `base`. */
function reportDir(base: string): string {
  const dirs = readdirSync(base);
  if (dirs.length !== 1) throw new Error(`${base} holds ${dirs.length} report directories`);
  return join(base, dirs[0]!);
}

interface Line { i: number; v: string; s: string; h: string; k?: string[] }

function journal(dir: string): Line[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Line);
}

function summary(dir: string): { seedSpec: string; seedCount: number; firstFailure: unknown; budget?: { stoppedBy: string | null; seeds: number; lastSeed: string | null; untilFail: boolean; open: boolean; timeMs?: number } } {
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  return { ...s, firstFailure: s.targets[0].firstFailure };
}

/** seed → decision hash and outcome, per variant. */
function byRun(lines: readonly Line[]): Map<string, string> {
  return new Map(lines.map((l) => [`${l.v}/${l.s}`, `${l.h} ${l.k?.join(',') ?? 'pass'}`]));
}

// The reference: a fixed range that holds the first failure.
const fixedBase = join(work, 'fixed');
const fixed = run(['run', JOB_QUEUE, '--variant', 'unlocked-signal', '--seeds', '1..120', '--report-dir', fixedBase]);
const fixedDir = reportDir(fixedBase);
const firstFailing = journal(fixedDir).find((l) => l.k !== undefined)?.s;

t.test('the fixed range the budgets are compared with', async (t) => {
  t.equal(fixed.code, 1, fixed.err);
  t.ok(firstFailing !== undefined, 'unlocked-signal fails within seeds 1..120');
  t.match(fixed.out, /seeds per failure: 1 failure per \d+(\.\d)? seeds \(\d+ of 120(, one failure: a rough figure)?; \d+ seeds catch it 99 times in 100\)/, 'the summary states seeds per failure');
  t.match(readFileSync(join(fixedDir, 'summary.md'), 'utf8'), /seeds per failure: 1 failure per/, 'and so does summary.md');
});

for (const jobs of ['1', '2']) {
  t.test(`--until-fail --jobs ${jobs}: stops at the lowest failing seed; the seeds before it all ran, none after it is reported`, async (t) => {
    const base = join(work, `until-${jobs}`);
    const r = run(['run', JOB_QUEUE, '--variant', 'unlocked-signal', '--until-fail', '--jobs', jobs, '--report-dir', base]);
    t.equal(r.code, 1, r.err);
    t.match(r.out, new RegExp(`first failing seed: unlocked-signal seed ${firstFailing}\\n`));
    t.match(r.out, new RegExp(`--until-fail: stopped at the first failing seed, ${firstFailing}, after ${firstFailing} seeds`));
    t.match(r.out, new RegExp(`1 failure per ${firstFailing} seeds`), 'seeds per failure, for sizing CI');
    const dir = reportDir(base);
    const lines = journal(dir);
    t.same(lines.map((l) => l.s), Array.from({ length: Number(firstFailing) }, (_x, k) => String(k + 1)), 'the journal holds seeds 1..first failing, in order');
    const ref = byRun(journal(fixedDir));
    t.ok(lines.every((l) => ref.get(`${l.v}/${l.s}`) === `${l.h} ${l.k?.join(',') ?? 'pass'}`), 'every run is the one the fixed range made');
    const s = summary(dir);
    t.same(s.budget, { untilFail: true, open: true, stoppedBy: 'failure', seeds: Number(firstFailing), lastSeed: firstFailing });
    t.equal(s.seedSpec, `1..${firstFailing}`);
    t.equal(s.seedCount, Number(firstFailing));
  });
}

t.test('--until-fail with every variant: the seed row of the failure finishes; the correct variant ran the same seeds', async (t) => {
  const base = join(work, 'until-all');
  const r = run(['run', JOB_QUEUE, '--until-fail', '--jobs', '2', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  const lines = journal(reportDir(base));
  t.equal(lines.length, 2 * Number(firstFailing), 'both variants, seeds 1..first failing');
  t.same(lines.filter((l) => l.k !== undefined).map((l) => `${l.v} ${l.s}`), [`unlocked-signal ${firstFailing}`]);
});

t.test('--until-fail in range mode with no failure runs the whole range, exit 0', async (t) => {
  const base = join(work, 'until-clean');
  const r = run(['run', JOB_QUEUE, '--variant', 'correct', '--seeds', '1..12', '--until-fail', '--report-dir', base]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /the seed list ran out before the budget: 12 seeds \(the last: 12\)/);
  t.equal(journal(reportDir(base)).length, 12);
});

t.test('--until-fail with --seeds A..B starts at A and stops at the first failure in the range', async (t) => {
  const base = join(work, 'until-range');
  const from = Number(firstFailing) - 3;
  const r = run(['run', JOB_QUEUE, '--variant', 'unlocked-signal', '--seeds', `${from}..${from + 200}`, '--until-fail', '--jobs', '2', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  t.same(journal(reportDir(base)).map((l) => l.s), [0, 1, 2, 3].map((k) => String(from + k)));
});

t.test('--until-fail whose failure is the range\'s last seed says so', async (t) => {
  const base = join(work, 'until-last');
  const r = run(['run', JOB_QUEUE, '--variant', 'unlocked-signal', '--seeds', `${firstFailing}..${firstFailing}`, '--until-fail', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  t.match(r.out, new RegExp(`--until-fail: stopped at the first failing seed, ${firstFailing}, after 1 seed`));
  t.equal(summary(reportDir(base)).budget?.stoppedBy, 'failure');
});

t.test('--time 2s on a correct variant: runs seeds, stops, says how many, exit 0; the runs are the fixed range\'s', async (t) => {
  const base = join(work, 'time');
  const r = run(['run', JOB_QUEUE, '--variant', 'correct', '--time', '2s', '--jobs', '2', '--report-dir', base]);
  t.equal(r.code, 0, r.err);
  const m = /--time: spent after (\d+) seeds? \(the last: (\d+)\)/.exec(r.out);
  t.ok(m, `the summary says it stopped and how many seeds ran: ${r.out}`);
  const n = Number(m?.[1]);
  t.ok(n > 0, 'some seeds ran');
  const dir = reportDir(base);
  const lines = journal(dir);
  t.same(lines.map((l) => l.s), Array.from({ length: n }, (_x, k) => String(k + 1)), 'seeds 1..n, each once, in order');
  const s = summary(dir);
  t.same(s.budget, { timeMs: 2000, untilFail: false, open: true, stoppedBy: 'time', seeds: n, lastSeed: String(n) });
  t.equal(s.seedCount, n);
  // Which seeds fail and every decision must not depend on the wall time: the same seeds as a range.
  const againBase = join(work, 'time-fixed');
  const again = run(['run', JOB_QUEUE, '--variant', 'correct', '--seeds', `1..${n}`, '--report-dir', againBase]);
  t.equal(again.code, 0, again.err);
  t.same(byRun(lines), byRun(journal(reportDir(againBase))), 'every decision hash and outcome is the fixed range\'s');
});

t.test('--time with --seeds stops at the end of the range when that comes first', async (t) => {
  const base = join(work, 'time-range');
  const r = run(['run', JOB_QUEUE, '--variant', 'correct', '--seeds', '1..8', '--time', '10m', '--report-dir', base]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /the seed list ran out before the budget: 8 seeds/);
  t.equal(summary(reportDir(base)).budget?.stoppedBy, null);
});

t.test('--time and --until-fail together: the first failure comes first here', async (t) => {
  const base = join(work, 'time-until');
  const r = run(['run', JOB_QUEUE, '--variant', 'unlocked-signal', '--time', '10m', '--until-fail', '--report-dir', base]);
  t.equal(r.code, 1, r.err);
  t.equal(summary(reportDir(base)).budget?.stoppedBy, 'failure');
  t.equal(journal(reportDir(base)).length, Number(firstFailing));
});

t.test('a bad --time is one line and exit 2, before any report directory', async (t) => {
  for (const bad of ['5', '5x', '0s', '-3s', '', 'soon', '1m30']) {
    const base = join(work, `bad-time-${bad.replace(/\W/g, '_')}`);
    const r = run(['run', JOB_QUEUE, '--time', bad, '--report-dir', base]);
    t.equal(r.code, 2, `--time ${JSON.stringify(bad)}: ${r.err}`);
    t.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    t.match(r.err, /--time/);
    t.notOk(existsSync(base), 'no report directory');
  }
  const bare = run(['run', JOB_QUEUE, '--time', '300', '--report-dir', join(work, 'bad-bare')]);
  t.match(bare.err, /give a unit, e\.g\. 300s or 300m/, 'a bare number is refused: seconds or minutes?');
  const shard = run(['run', JOB_QUEUE, '--time', '5s', '--shard', '1/2', '--report-dir', join(work, 'bad-shard')]);
  t.equal(shard.code, 2, 'an open range cannot be sharded');
  t.match(shard.err, /--shard splits a seed list/);
});

t.test('an interrupted --time run resumes like any run: the same runs as a fixed range', async (t) => {
  const base = join(work, 'resume');
  const args = ['run', JOB_QUEUE, '--variant', 'correct', '--seeds', '1..150', '--time', '1h', '--jobs', '2', '--report-dir', base];
  const child = spawn(process.execPath, [cli, ...args], { cwd: work, stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  // Interrupted once a few seeds are journaled (lines are flushed every second).
  let stopped = false;
  for (let k = 0; k < 1200 && !stopped; k++) {
    await new Promise((r) => setTimeout(r, 50));
    const dirs = existsSync(base) ? readdirSync(base) : [];
    if (dirs.length === 1 && existsSync(join(base, dirs[0]!, 'journal.jsonl')) && journal(join(base, dirs[0]!)).length >= 3) {
      child.kill('SIGINT');
      stopped = true;
    }
  }
  const code = await exited;
  const dir = reportDir(base);
  const before = journal(dir).length;
  if (code === 0) {
    // The machine ran all 150 seeds before the journal was seen: nothing to resume.
    t.equal(before, 150);
  } else {
    // Stopped by SIGINT, most often part way (a loaded machine may have just finished the list).
    t.equal(code, 130, `stopped by SIGINT with ${before} of 150 seeds journaled`);
    const resumed = run(['run', '--resume', dir]);
    t.equal(resumed.code, 0, resumed.err);
    t.match(resumed.out, /the seed list ran out before the budget: 150 seeds/);
  }
  const lines = journal(dir);
  t.equal(new Set(lines.map((l) => l.i)).size, lines.length, 'no seed journaled twice');
  const fixedRange = join(work, 'resume-fixed');
  const ref = run(['run', JOB_QUEUE, '--variant', 'correct', '--seeds', '1..150', '--jobs', '2', '--report-dir', fixedRange]);
  t.equal(ref.code, 0, ref.err);
  t.same(byRun(lines), byRun(journal(reportDir(fixedRange))), 'the resumed run made the fixed range\'s runs');
});

t.test('explore() inline (a Target object): --until-fail and a drawing budget stop at the same seeds', async (t) => {
  const r = await explore({ target: jobQueue, variant: 'unlocked-signal', seeds: new SeedRange(1, 100_000), untilFail: true });
  t.equal(r.firstFailure?.seed, firstFailing);
  t.same(r.budget, { seeds: Number(firstFailing), lastSeed: firstFailing, stoppedBy: 'failure' });
  t.equal(r.runs, Number(firstFailing));
  // A budget that says stop after the first look: whole seeds only, every variant of each.
  let looks = 0;
  const timed = await explore({ target: jobQueue, seeds: new SeedRange(1, 100_000), stopDrawing: () => ++looks > 1 });
  t.equal(timed.budget?.stoppedBy, 'time');
  t.ok(timed.budget!.seeds > 0);
  t.equal(timed.runs, timed.budget!.seeds * 2, 'every variant of each seed that ran');
  const spent = await explore({ target: jobQueue, seeds: new SeedRange(1, 100_000), stopDrawing: () => true });
  t.same(spent.budget, { seeds: 1, lastSeed: '1', stoppedBy: 'time' }, 'a budget spent before the first seed still runs it');
});

t.test('summary.json of budgeted runs is valid against the shipped schema', async (t) => {
  const dist = join(root, 'dist/harness/report/schemas');
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(['failure', 'summary'].map((n) => JSON.parse(readFileSync(join(dist, `${n}.schema.json`), 'utf8'))));
  const validate = ajv.getSchema('urn:interleave:schema:summary:1')!;
  for (const base of ['until-2', 'time', 'time-range', 'until-clean']) {
    const doc = JSON.parse(readFileSync(join(reportDir(join(work, base)), 'summary.json'), 'utf8'));
    t.ok(validate(doc), `${base}: ${ajv.errorsText(validate.errors)}`);
    t.ok(doc.budget !== undefined, `${base}: states its budget`);
  }
  const broken = JSON.parse(readFileSync(join(reportDir(join(work, 'time')), 'summary.json'), 'utf8'));
  broken.budget.stoppedBy = 'boredom';
  t.notOk(validate(broken), 'a budget stopped by anything else is refused');
});
