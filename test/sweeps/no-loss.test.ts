/**
 * No result is lost, swept (`npm run test:sweeps`): a run of 3 variants × 1,200 seeds stopped by
 * SIGINT at 20 points of its journal or SIGKILL at 6 leaves files that parse, and `--resume` finishes it with
 * the summary an uninterrupted run writes. The other no-loss tests are in test/no-loss.test.ts.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allParse, comparable, interrupted, moments, summary, sync, ARGS } from '../lib/no-loss.js';

t.test('SIGINT at 20 moments, at --jobs 1 and 2: each summary says interrupted, and --resume gives the uninterrupted summary', async (t) => {
  const base = t.testdir({});
  const whole = sync([...ARGS, '--report-dir', join(base, 'whole')]);
  t.equal(whole.code, 1, 'the uninterrupted run finds the buggy variants');
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  // Each signal goes out when the journal holds 20..919 of the 3,600 runs: synchronised on what
  // the run wrote, so every run is caught mid-way however loaded the machine is.
  for (const [k, seeds] of moments(20, 7).entries()) {
    const jobs = k % 2 === 0 ? '1' : '2';
    const got = await interrupted(join(base, `int-${k}`), ['--jobs', jobs], 'SIGINT', seeds);
    t.ok(got.signalled && got.dir !== null, `run ${k}: its journal reached ${seeds} seeds before it ended`);
    const s = summary(got.dir!);
    t.equal(got.code, 130, `run ${k} (--jobs ${jobs}, after ${seeds} seeds): SIGINT exits 130`);
    t.equal(s['interrupted'], true, `run ${k}: summary.json says interrupted`);
    t.ok((s.targets[0]!['runs'] as number) < 3600, 'and counts only the runs made');
    const again = sync(['run', '--resume', got.dir!]);
    t.equal(again.code, 1, `run ${k}: the resumed run exits as the whole one did`);
    t.same(comparable(summary(got.dir!)), want, `run ${k}: after --resume, the uninterrupted summary (no seed lost or counted twice)`);
  }
});

t.test('SIGKILL at random moments: every file on disk parses, and --resume completes the run', async (t) => {
  const base = t.testdir({});
  const whole = sync([...ARGS, '--report-dir', join(base, 'whole')]);
  const want = comparable(summary(join(base, 'whole', readdirSync(join(base, 'whole'))[0]!)));
  t.equal(whole.code, 1);
  for (const [k, seeds] of moments(6, 11).entries()) {
    const got = await interrupted(join(base, `kill-${k}`), ['--jobs', String(1 + (k % 2))], 'SIGKILL', seeds);
    t.equal(got.signal, 'SIGKILL', `kill ${k} after ${seeds} seeds`);
    allParse(t, got.dir!);
    const again = sync(['run', '--resume', got.dir!]);
    t.equal(again.code, 1, again.err);
    t.same(comparable(summary(got.dir!)), want, `kill ${k} after ${seeds} seeds, then --resume: the whole run's summary`);
    t.same(readdirSync(got.dir!).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left behind');
  }
});
