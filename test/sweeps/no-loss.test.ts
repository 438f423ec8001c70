/**
 * No result is lost, swept (`npm run test:sweeps`): a run of 3 variants × 1,200 seeds stopped by
 * SIGINT at 20 moments or SIGKILL at 6 leaves files that parse, and `--resume` finishes it with
 * the summary an uninterrupted run writes. The other no-loss tests are in test/no-loss.test.ts.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/harness/cli/main.js');
// 3 variants × 1,200 seeds: about a second of work, with failures to keep.
const ARGS = ['run', 'bounded-buffer', '--seeds', '1..1200'];

function sync(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fixed sequence of "random" moments: the test itself must be reproducible. */
function moments(n: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(20 + (x % 900));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a run, waits until its journal exists, waits `ms` more, sends `sig`; resolves at exit. */
async function interrupted(dirBase: string, extra: string[], sig: NodeJS.Signals, ms: number, args = ARGS): Promise<{ code: number | null; signal: NodeJS.Signals | null; dir: string | null }> {
  const child = spawn(process.execPath, [cli, ...args, ...extra, '--report-dir', dirBase], { stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let dir: string | null = null;
  for (let k = 0; k < 6000 && dir === null; k++) { // up to 60 s: a loaded machine starts node slowly
    await sleep(10);
    const made = existsSync(dirBase) ? readdirSync(dirBase) : [];
    if (made.length > 0 && existsSync(join(dirBase, made[0]!, 'journal.jsonl'))) dir = join(dirBase, made[0]!);
  }
  await sleep(ms);
  child.kill(sig);
  const end = await exited;
  return { ...end, dir };
}

type Summary = Record<string, unknown> & { targets: Record<string, unknown>[] };

function summary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** What must match between an interrupted-then-resumed run and one that was never stopped. */
function comparable(s: Summary): unknown {
  const { wallMs: _w, startedAt: _s, command: _c, seedsPerSec: _p, ...rest } = s;
  return rest;
}

/** Every file the run left (but the journal's torn last line) parses. */
function allParse(t: { pass: (m: string) => void }, dir: string): void {
  const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n');
  const last = journal.pop()!;
  for (const line of journal) JSON.parse(line);
  if (last !== '') t.pass('a torn last journal line is allowed');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  if (existsSync(join(dir, 'failures'))) files.push(...readdirSync(join(dir, 'failures')).filter((f) => !f.startsWith('.')).map((f) => join(dir, 'failures', f)));
  for (const f of files) JSON.parse(readFileSync(f, 'utf8'));
}

t.test('SIGINT at 20 moments, at --jobs 1 and 2: each summary says interrupted, and --resume gives the uninterrupted summary', async (t) => {
  const base = t.testdir({});
  const whole = sync([...ARGS, '--report-dir', join(base, 'whole')]);
  t.equal(whole.code, 1, 'the uninterrupted run finds the buggy variants');
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  let stopped = 0;
  for (const [k, ms] of moments(20, 7).entries()) {
    const jobs = k % 2 === 0 ? '1' : '2';
    const got = await interrupted(join(base, `int-${k}`), ['--jobs', jobs], 'SIGINT', ms);
    t.ok(got.dir !== null, `run ${k}: its report directory exists`);
    const s = summary(got.dir!);
    if (got.code === 130) {
      stopped++;
      t.equal(s['interrupted'], true, `run ${k} (--jobs ${jobs}, ${ms} ms): summary.json says interrupted`);
      t.ok((s.targets[0]!['runs'] as number) < 3600, 'and counts only the runs made');
      const again = sync(['run', '--resume', got.dir!]);
      t.equal(again.code, 1, `run ${k}: the resumed run exits as the whole one did`);
      t.same(comparable(summary(got.dir!)), want, `run ${k}: after --resume, the uninterrupted summary (no seed lost or counted twice)`);
    } else {
      t.equal(got.code, 1, `run ${k} finished before the signal`);
    }
  }
  t.ok(stopped >= 10, `most runs were caught mid-way (${stopped} of 20)`);
});

t.test('SIGKILL at random moments: every file on disk parses, and --resume completes the run', async (t) => {
  const base = t.testdir({});
  const whole = sync([...ARGS, '--report-dir', join(base, 'whole')]);
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  t.equal(whole.code, 1);
  for (const [k, ms] of moments(6, 11).entries()) {
    const got = await interrupted(join(base, `kill-${k}`), ['--jobs', String(1 + (k % 2))], 'SIGKILL', ms);
    t.equal(got.signal, 'SIGKILL');
    allParse(t, got.dir!);
    const again = sync(['run', '--resume', got.dir!]);
    t.equal(again.code, 1, again.err);
    t.same(comparable(summary(got.dir!)), want, `kill ${k} at ${ms} ms, then --resume: the whole run's summary`);
    t.same(readdirSync(got.dir!).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left behind');
  }
});
