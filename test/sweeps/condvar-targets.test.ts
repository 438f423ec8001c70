/**
 * Sweeps of the cv(9) targets (`npm run test:sweeps`): each buggy variant is found within a
 * bound of seeds and caught only by its expected detector over 200; the correct variants stay
 * clean over 2,000 seeds; spurious wakeups make if-not-while fail more often; seeds explore
 * distinct schedules. The pinned failing seeds are in test/condvar-targets.test.ts.
 */
import t from 'tap';
import type { RunOptions } from '../../dist/harness/engine/options.js';
import type { RunResult } from '../../dist/harness/engine/execute.js';
import type { Target } from '../../harness/core/api.js';
import { boundedBuffer, latch, run, sweep, targets, waitUnlockMisuse } from '../lib/condvar.js';

/**
 * Measured with the default random strategy (first failing seed; failures in seeds 0-199):
 * bounded-buffer check-outside-lock 2, 119; if-not-while 1, 101; signal-not-broadcast 1, 38;
 * latch check-outside-lock 0, 150; wait-unlock-misuse check-after-wait-unlock 1, 131.
 */
const BUGS: { target: Target; variant: string; bound: number }[] = [
  { target: boundedBuffer, variant: 'check-outside-lock', bound: 20 },
  { target: boundedBuffer, variant: 'if-not-while', bound: 20 },
  { target: boundedBuffer, variant: 'signal-not-broadcast', bound: 50 },
  { target: latch, variant: 'check-outside-lock', bound: 20 },
  { target: waitUnlockMisuse, variant: 'check-after-wait-unlock', bound: 20 },
];

t.test('every buggy variant is swept below', async (t) => {
  t.same(BUGS.map((b) => `${b.target.name}/${b.variant}`).sort(),
    targets.flatMap((x) => x.variants.filter((v) => v !== 'correct').map((v) => `${x.name}/${v}`)).sort());
});

for (const { target, variant, bound } of BUGS) {
  const expected = target.expect![variant]!;
  t.test(`${target.name} ${variant}: random finds ${expected} within the first ${bound} seeds, and only ${expected} in 200`, async (t) => {
    const early = await sweep(target, variant, bound);
    t.ok(early.first, `a failing seed among the first ${bound}`);
    t.equal(early.first?.violations[0]?.kind, expected, 'the first failure is the expected kind');
    const wide = await sweep(target, variant, 200);
    t.ok(wide.kinds.length > 0, `failures in 200 seeds: ${wide.kinds.length}`);
    t.same([...new Set(wide.kinds)], [expected], 'every failing seed is caught by the expected detector');
  });
}

for (const target of targets) {
  for (const faults of [{}, { spurious: 0.2 }]) {
    const label = 'spurious' in faults ? 'with spurious=0.2' : 'without faults';
    t.test(`${target.name} correct: no violation in 2,000 seeds ${label}`, async (t) => {
      let failed: RunResult | null = null;
      let spurious = 0;
      for (let s = 0; s < 2000 && failed === null; s++) {
        const r = await run(target, 'correct', s, { faults });
        if (r.outcome !== 'pass' || r.end !== 'quiescent') failed = r;
        spurious += r.faultLog.filter((f) => f.fault === 'spurious').length;
      }
      t.equal(failed, null, failed ? `seed ${failed.seed}: ${failed.violations[0]?.message ?? failed.end}` : 'all pass');
      if ('spurious' in faults) t.ok(spurious >= 200, `spurious wakeups were injected (${spurious})`);
      else t.equal(spurious, 0, 'no spurious wakeups without the fault');
    });
  }
}

t.test('bounded-buffer if-not-while: spurious wakeups make it fail more often', async (t) => {
  const plain = await sweep(boundedBuffer, 'if-not-while', 200);
  const spurious = await sweep(boundedBuffer, 'if-not-while', 200, { faults: { spurious: 0.2 } });
  t.ok(spurious.kinds.length > plain.kinds.length, `${spurious.kinds.length} > ${plain.kinds.length} failures in 200 seeds`);
  t.ok(Number(spurious.first!.seed) <= Number(plain.first!.seed), 'found no later');
  t.same([...new Set(spurious.kinds)], ['invariant']);
});

t.test('bounded-buffer correct: at least 90% of 1,000 seeds explore distinct schedules', async (t) => {
  const hashes = new Set<string>();
  for (let s = 0; s < 1000; s++) hashes.add((await run(boundedBuffer, 'correct', s)).decisionHash);
  t.ok(hashes.size >= 900, `${hashes.size} distinct decision hashes`);
});
