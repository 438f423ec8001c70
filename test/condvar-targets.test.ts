import t, { type Test } from 'tap';
import type { RunOptions } from '../dist/harness/engine/options.js';
import type { RunResult } from '../dist/harness/engine/execute.js';
import type { Target } from '../harness/core/api.js';
import { boundedBuffer, latch, run, sweep, targets, waitUnlockMisuse } from './lib/condvar.js';

/**
 * A pinned failing seed of each buggy variant (default random strategy; the first failing seed).
 * test/sweeps/condvar-targets.test.ts checks each is found within a bound and caught by nothing
 * else over 200 seeds, and that the correct variants stay clean over 2,000.
 */
const BUGS: { target: Target; variant: string; seed: number }[] = [
  { target: boundedBuffer, variant: 'check-outside-lock', seed: 2 },
  { target: boundedBuffer, variant: 'if-not-while', seed: 1 },
  { target: boundedBuffer, variant: 'signal-not-broadcast', seed: 1 },
  { target: latch, variant: 'check-outside-lock', seed: 0 },
  { target: waitUnlockMisuse, variant: 'check-after-wait-unlock', seed: 1 },
];

t.test('every target declares each variant with an expected outcome', async (t) => {
  for (const target of targets) {
    t.same(Object.keys(target.expect ?? {}).sort(), [...target.variants].sort(), `${target.name}: expect covers the variants`);
    t.equal(target.expect?.['correct'], 'pass', `${target.name}: correct is expected to pass`);
  }
  t.same(BUGS.map((b) => `${b.target.name}/${b.variant}`).sort(),
    targets.flatMap((x) => x.variants.filter((v) => v !== 'correct').map((v) => `${x.name}/${v}`)).sort(),
    'every buggy variant is covered below');
});

for (const { target, variant, seed } of BUGS) {
  const expected = target.expect![variant]!;
  t.test(`${target.name} ${variant}: pinned seed ${seed} fails with ${expected} (the sweep is in test/sweeps/)`, async (t) => {
    const r = await run(target, variant, seed);
    t.equal(r.outcome, 'violation', `seed ${seed} fails`);
    t.same([...new Set(r.violations.map((v) => v.kind))], [expected], 'caught by the expected detector only');
  });

  t.test(`${target.name} ${variant}: passes under run-to-block seed 0 (random finds it by exploration)`, async (t) => {
    const r = await run(target, variant, 0, {}, 'run-to-block');
    t.equal(r.outcome, 'pass', r.violations[0]?.message ?? 'no violation');
    t.equal(r.end, 'quiescent', 'every task finished');
  });
}

/** The first failing run again, with the whole timeline. */
async function firstFailureTraced(target: Target, variant: string): Promise<RunResult> {
  const { first } = await sweep(target, variant, 50);
  if (first === null) throw new Error(`${target.name}/${variant}: no failure in 50 seeds`);
  return run(target, variant, Number(first.seed), { traceAll: true });
}

interface LostWakeupDetails {
  waiter: string;
  object: string;
  sleptAtStep: number;
  signal: { step: number; task: string; op: string };
  staleRead: { step: number; object: string; value: string };
}

/** Checks the details against the timeline: the stale read, then the unheard wakeup, then the sleep. */
function checkLostWakeup(t: Test, r: RunResult, want: { waiter: RegExp; signaller: RegExp; op: string; cv: string; cell: string; value: string }): void {
  const v = r.violations[0]!;
  const d = v.details as unknown as LostWakeupDetails;
  t.match(d.waiter, want.waiter, 'the waiter');
  t.match(d.signal.task, want.signaller, 'the task whose wakeup was lost');
  t.same([d.object, d.signal.op, d.staleRead.object, d.staleRead.value], [want.cv, want.op, want.cell, want.value], 'object, op, stale read');
  t.same(v.actors, [d.waiter, d.signal.task], 'actors: the waiter, then the signaller');
  t.ok(d.staleRead.step < d.signal.step && d.signal.step < d.sleptAtStep, 'read, then the wakeup, then the sleep');
  // A signal's step also traces whom it woke (`woke`, for the HTML report): the operation is the other line.
  const at = (step: number) => r.trace!.find((e) => e.step === step && e.op !== 'woke');
  t.match(at(d.staleRead.step), { task: d.waiter, op: 'get', obj: want.cell, result: want.value }, 'the trace shows the stale read');
  t.match(at(d.signal.step), { task: d.signal.task, op: want.op, obj: want.cv }, 'the trace shows the unheard wakeup');
  t.match(at(d.sleptAtStep), { task: d.waiter, op: 'wait', obj: want.cv, result: 'blocks' }, 'the trace shows the sleep');
}

t.test('bounded-buffer check-outside-lock: the lost wakeup names the consumer signal, the producer and its stale read', async (t) => {
  const r = await firstFailureTraced(boundedBuffer, 'check-outside-lock');
  const d = r.violations[0]!.details as unknown as LostWakeupDetails;
  // Either side can lose its wakeup: a producer on notFull, or a consumer on notEmpty.
  const producer = d.waiter.startsWith('producer');
  checkLostWakeup(t, r, producer
    ? { waiter: /^producer-/, signaller: /^consumer-/, op: 'signal', cv: 'notFull', cell: 'count', value: '1' }
    : { waiter: /^consumer-/, signaller: /^producer-/, op: 'signal', cv: 'notEmpty', cell: 'count', value: '0' });
});

t.test('latch check-outside-lock: the lost wakeup names the opener broadcast, the waiter and open = false', async (t) => {
  const r = await firstFailureTraced(latch, 'check-outside-lock');
  checkLostWakeup(t, r, { waiter: /^waiter-/, signaller: /^opener$/, op: 'broadcast', cv: 'opened', cell: 'open', value: 'false' });
});

t.test('bounded-buffer if-not-while: the invariant fails on the put or take that trusted its wakeup', async (t) => {
  const r = await firstFailureTraced(boundedBuffer, 'if-not-while');
  const v = r.violations[0]!;
  t.same(v.details, { invariant: '0 <= count <= capacity' });
  const last = r.trace!.at(-1)!;
  t.match(last, { task: v.actors[0], op: 'set', obj: 'count' }, 'the actor wrote count on the failing step');
  t.ok([2, -1].includes(countAfter(r)), `count left its range: ${countAfter(r)}`);
});

/** Each put adds one and each take removes one (the sets read count under the lock). */
function countAfter(r: RunResult): number {
  const sets = r.trace!.filter((e) => e.op === 'set' && e.obj === 'count');
  const puts = sets.filter((e) => e.task.startsWith('producer')).length;
  return puts - (sets.length - puts);
}

t.test('bounded-buffer signal-not-broadcast: a deadlock on the one shared cv, not a lost wakeup', async (t) => {
  const r = await firstFailureTraced(boundedBuffer, 'signal-not-broadcast');
  const v = r.violations[0]!;
  t.equal(r.violations.length, 1, 'only the deadlock');
  const waits = (v.details as { waits: string[] }).waits;
  t.ok(waits.length >= 2 && waits.every((w) => w.endsWith('waits on changed.wait(m)')), waits.join('; '));
  t.same(v.actors, waits.map((w) => w.split(' ')[0]), 'the actors are the sleepers');
  t.ok(v.actors.some((a) => a.startsWith('producer')) && v.actors.some((a) => a.startsWith('consumer')), 'both sides sleep: a wakeup went to the wrong side');
});

t.test('wait-unlock-misuse check-after-wait-unlock: a worker finds its resource handed out twice', async (t) => {
  const r = await firstFailureTraced(waitUnlockMisuse, 'check-after-wait-unlock');
  const v = r.violations[0]!;
  t.match(v.actors, [/^worker-\d$/]);
  t.match(v.message, new RegExp(`${v.actors[0]} released a resource held by .*handed out twice`));
  // A claim writes a worker's name into owner (the trace shows the value written); a release writes null.
  const claims = r.trace!.filter((e) => e.op === 'set' && e.obj === 'owner' && e.result !== 'null');
  t.ok(claims.length >= 2, 'the resource was claimed more than once');
});
