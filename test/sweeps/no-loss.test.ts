/**
 * No result is lost, swept (`npm run test:sweeps`): a run of 3 variants × 1,200 seeds stopped by
 * SIGINT at 20 moments or SIGKILL at 6 leaves files that parse, and `--resume` finishes it with
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
