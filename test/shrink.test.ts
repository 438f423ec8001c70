import t from 'tap';
import { DEFAULT_OPTIONS, execute } from '../dist/harness/core/execute.js';
import { runDecisions } from '../dist/harness/schedule/index.js';
import { shrink } from '../dist/harness/shrink/index.js';
import boundedBuffer from '../dist/targets/condvar/bounded-buffer/index.js';
import latch from '../dist/targets/condvar/latch/index.js';
import waitUnlock from '../dist/targets/condvar/wait-unlock-misuse/index.js';

type T = typeof boundedBuffer;

async function firstFailure(target: T, variant: string, from: number) {
  for (let s = from; s < from + 2000; s++) {
    const r = await execute({ target, variant, seed: String(s), strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
    if (r.outcome === 'violation') return r;
  }
  throw new Error(`${target.name}/${variant}: no failure from seed ${from}`);
}

async function shrinkFailure(target: T, variant: string, from: number) {
  const r = await firstFailure(target, variant, from);
  const kind = r.violations[0]!.kind;
  const spec = { target, variant, seed: r.seed, strategy: r.strategy, options: DEFAULT_OPTIONS };
  return { r, kind, spec, s: await shrink({ ...spec, decisions: r.decisions, kind }) };
}

t.test('the bounded-buffer check-outside-lock lost wakeup shrinks to at most 2 preemptions', async (t) => {
  for (const from of [0, 100, 200, 300]) {
    const { r, kind, spec, s } = await shrinkFailure(boundedBuffer, 'check-outside-lock', from);
    t.equal(kind, 'lost-wakeup');
    t.ok(s.after.preemptions <= 2, `seed ${r.seed}: ${s.before.preemptions} → ${s.after.preemptions} preemptions, ${s.before.steps} → ${s.after.steps} steps`);
    t.equal(s.result.violations[0]!.kind, kind, 'keeps the violation kind');
    const strict = await runDecisions(spec, s.decisions, { mode: 'strict' });
    t.equal(strict.result.decisionHash, s.result.decisionHash, 'the shrunk decisions replay strictly to the same run');
  }
});

t.test('shrinking keeps the kind, never grows the run, and is deterministic', async (t) => {
  const variants: [T, string][] = [
    [boundedBuffer, 'check-outside-lock'], [boundedBuffer, 'if-not-while'], [boundedBuffer, 'signal-not-broadcast'],
    [latch, 'check-outside-lock'], [waitUnlock, 'check-after-wait-unlock'],
  ];
  let before = 0;
  let after = 0;
  let bbBefore = 0;
  let bbAfter = 0;
  for (const [target, variant] of variants) {
    for (const from of [0, 100, 200]) {
      const { r, kind, spec, s } = await shrinkFailure(target, variant, from);
      t.equal(s.result.violations[0]!.kind, kind, `${variant} seed ${r.seed} keeps ${kind}`);
      t.ok(s.after.steps <= s.before.steps, `${variant} seed ${r.seed}: steps ${s.before.steps} → ${s.after.steps}`);
      t.ok(s.after.preemptions <= s.before.preemptions, `preemptions ${s.before.preemptions} → ${s.after.preemptions}`);
      t.equal(s.before.steps, r.steps, 'before is the original run');
      before += s.before.steps;
      after += s.after.steps;
      if (target === boundedBuffer) {
        bbBefore += s.before.steps;
        bbAfter += s.after.steps;
      }
      // A lost latch wakeup takes 13 steps at least: the sleeper's start, read, lock and wait,
      // the opener's five steps, and two steps for each of the other two waiters.
      if (target === latch) t.equal(s.after.steps, 13, 'the latch lost wakeup shrinks to its 13-step minimum');
      if (from === 0) {
        const again = await shrink({ ...spec, decisions: r.decisions, kind });
        t.same(again.decisions, s.decisions, `${variant}: shrinking twice gives the same schedule`);
      }
    }
  }
  t.comment(`total steps over 15 failures: ${before} → ${after} (${(after / before).toFixed(2)})`);
  t.ok(bbAfter <= bbBefore / 2, `bounded-buffer failures shrink to at most half their steps (${bbBefore} → ${bbAfter})`);
});

t.test('shrink turns fault draws off when the bug does not need them', async (t) => {
  const options = { ...DEFAULT_OPTIONS, faults: { spurious: 0.5 } };
  let r;
  for (let s = 0; ; s++) {
    r = await execute({ target: latch, variant: 'check-outside-lock', seed: String(s), strategy: { name: 'random' }, options });
    if (r.violations[0]?.kind === 'lost-wakeup' && r.faultLog.length > 0) break;
    if (s > 3000) throw new Error('no lost wakeup with a spurious wakeup');
  }
  const s = await shrink({ target: latch, variant: 'check-outside-lock', seed: r.seed, strategy: r.strategy, options, decisions: r.decisions, kind: 'lost-wakeup' });
  t.ok(s.before.faults > 0);
  t.equal(s.after.faults, 0, `faults ${s.before.faults} → 0`);
});

t.test('shrink refuses decisions that do not reproduce the kind', async (t) => {
  const r = await execute({ target: latch, variant: 'correct', seed: '1', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
  await t.rejects(shrink({ target: latch, variant: 'correct', seed: '1', strategy: r.strategy, options: DEFAULT_OPTIONS, decisions: r.decisions, kind: 'lost-wakeup' }),
    { name: 'UsageError', message: /does not reproduce a lost-wakeup violation \(its outcome: pass\)/ });
});
