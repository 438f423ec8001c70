/**
 * No result is lost: a run stopped by SIGINT, SIGTERM or SIGKILL at any moment leaves files
 * that parse, and `--resume` finishes it with the summary an uninterrupted run writes. SIGINT at
 * 20 points and SIGKILL at 6 are in test/sweeps/no-loss.test.ts; here, SIGKILL at one moment
 * and SIGINT on a campaign.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allParse, cli, comparable, interrupted, moments, sleep, summary, sync, ARGS } from './lib/no-loss.js';

t.test('SIGKILL at one moment: every file on disk parses, and --resume completes the run', async (t) => {
  const base = t.testdir({});
  const whole = sync([...ARGS, '--report-dir', join(base, 'whole')]);
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  t.equal(whole.code, 1);
  const [seeds] = moments(1, 11) as [number];
  const got = await interrupted(join(base, 'kill'), ['--jobs', '2'], 'SIGKILL', seeds);
  t.equal(got.signal, 'SIGKILL', `killed after ${seeds} seeds`);
  allParse(t, got.dir!);
  const again = sync(['run', '--resume', got.dir!]);
  t.equal(again.code, 1, again.err);
  t.same(comparable(summary(got.dir!)), want, `kill after ${seeds} seeds, then --resume: the whole run's summary`);
  t.same(readdirSync(got.dir!).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left behind');
});

t.test('SIGTERM exits 143; a second signal exits at once', async (t) => {
  const base = t.testdir({});
  const term = await interrupted(join(base, 'term'), [], 'SIGTERM', 300, ['run', 'bounded-buffer', '--seeds', '1..200000']);
  t.equal(term.code, 143);
  t.equal(summary(term.dir!)['signal'], 'SIGTERM');
  const child = spawn(process.execPath, [cli, 'run', 'bounded-buffer', '--seeds', '1..2000000', '--shrink', '--report-dir', join(base, 'twice')], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  while (!existsSync(join(base, 'twice')) || readdirSync(join(base, 'twice')).length === 0) await sleep(10);
  await sleep(200);
  child.kill('SIGINT');
  child.kill('SIGINT');
  t.equal(await exited, 130, 'two Ctrl-Cs: out at once, still 130');
});

t.test('resume refuses what it cannot continue, with exit 2', async (t) => {
  const base = t.testdir({ empty: {} });
  const none = sync(['run', '--resume', join(base, 'empty')]);
  t.equal(none.code, 2);
  t.match(none.err, /no journal\.jsonl there/);
  const extra = sync(['run', 'bounded-buffer', '--resume', join(base, 'empty')]);
  t.equal(extra.code, 2);
  t.match(extra.err, /give no others/);
});

t.test('resume takes output flags: --quiet and --format change what is printed, not what runs', async (t) => {
  const base = t.testdir({});
  const first = sync(['run', 'bounded-buffer', '--seeds', '1..6', '--report-dir', base, '--quiet']);
  t.equal(first.code, 1, first.err);
  const dir = join(base, readdirSync(base)[0]!);
  const quiet = sync(['run', '--resume', dir, '--quiet']);
  t.equal(quiet.code, 1, quiet.err);
  t.notMatch(quiet.out, /runs \(\d+ variants?\)/, 'no summary table under --quiet');
  const json = sync(['run', '--resume', dir, '--format', 'json']);
  t.equal(json.code, 1, json.err);
  t.equal(JSON.parse(json.out).seedCount, 6, 'the journal\'s seeds, printed as JSON');
  t.equal(sync(['run', '--resume', dir, '--jobs', '2']).code, 2, 'a flag that changes the run is still refused');
});

t.test('campaign: SIGINT writes an interrupted report and --resume finishes it', async (t) => {
  const base = t.testdir({});
  const args = ['campaign', '--target', 'bounded-buffer', '--target', 'latch', '--seeds', '1..400', '--report-dir'];
  const whole = sync([...args, join(base, 'whole')]);
  t.equal(whole.code, 0, whole.out);
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  const child = spawn(process.execPath, [cli, ...args, join(base, 'cut')], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  while (!existsSync(join(base, 'cut')) || readdirSync(join(base, 'cut')).length === 0) await sleep(10);
  await sleep(150);
  child.kill('SIGINT');
  const code = await exited;
  const dir = join(base, 'cut', readdirSync(join(base, 'cut'))[0]!);
  if (code === 130) {
    t.equal(summary(dir)['interrupted'], true);
    const again = sync(['campaign', '--resume', dir]);
    t.equal(again.code, 0, again.out + again.err);
  } else t.equal(code, 0, 'it finished before the signal');
  t.same(comparable(summary(dir)), want, 'the campaign summary of an uninterrupted run');
});
