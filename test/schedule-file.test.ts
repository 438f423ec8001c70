import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, execute } from '../dist/harness/engine/execute.js';
import { makeSchedule, readScheduleFile, replaySchedule, writeScheduleFile } from '../dist/harness/replay/index.js';
import boundedBuffer from '../dist/targets/condvar/bounded-buffer/index.js';
import latch from '../dist/targets/condvar/latch/index.js';

// The round trip shuttle lost when its schedules stopped being printed: it must always run.
t.test('record → encode → write → read → decode → replay gives the recorded hash', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-sched-'));
  const cases = [
    { target: boundedBuffer, variant: 'check-outside-lock', strategy: { name: 'random' } },
    { target: boundedBuffer, variant: 'correct', strategy: { name: 'pct', params: { depth: 3, k: 100 } } },
    { target: latch, variant: 'correct', strategy: { name: 'random' }, faults: { spurious: 0.3 } },
  ];
  for (const c of cases) {
    for (const seed of ['1', '2', 'abc']) {
      const options = { ...DEFAULT_OPTIONS, faults: c.faults ?? {} };
      const r = await execute({ target: c.target, variant: c.variant, seed, strategy: c.strategy, options });
      const file = join(dir, `${c.target.name}-${c.variant}-${seed}.json`);
      writeScheduleFile(file, makeSchedule({ targetRef: c.target.name, result: r, options }));
      const s = readScheduleFile(file);
      t.equal(s.decisionHash, r.decisionHash);
      t.equal(s.expect, r.outcome === 'pass' ? 'pass' : `violation:${r.violations[0]!.kind}`);
      const rep = await replaySchedule(s, c.target);
      t.equal(rep.result.decisionHash, s.decisionHash, `${c.variant} seed ${seed} replays to its hash`);
      t.ok(rep.hashMatches);
      t.equal(rep.outcome, s.expect);
      t.equal(rep.result.steps, s.steps);
    }
  }
});

t.test('a schedule whose seed changed still replays: decisions, not the seed, drive the run', async (t) => {
  const r = await execute({ target: latch, variant: 'check-outside-lock', seed: '5', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
  const s = makeSchedule({ targetRef: 'latch', result: r, options: DEFAULT_OPTIONS });
  const rep = await replaySchedule({ ...s, seed: '6' }, latch);
  t.equal(rep.result.decisionHash, r.decisionHash);
});
