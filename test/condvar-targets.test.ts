import t, { type Test } from 'tap';
import { execute, DEFAULT_OPTIONS, type RunResult } from '../dist/harness/engine/execute.js';
import type { RunOptions } from '../dist/harness/engine/options.js';
import type { Target } from '../harness/core/api.js';
import boundedBuffer from '../dist/targets/condvar/bounded-buffer/index.js';
import latch from '../dist/targets/condvar/latch/index.js';
import waitUnlockMisuse from '../dist/targets/condvar/wait-unlock-misuse/index.js';

const targets: Target[] = [boundedBuffer, latch, waitUnlockMisuse];

function run(target: Target, variant: string, seed: number, extra: Partial<RunOptions> = {}, strategy = 'random'): Promise<RunResult> {
  return execute({ target, variant, seed: String(seed), strategy: { name: strategy }, options: { ...DEFAULT_OPTIONS, ...extra } });
}

/** Runs seeds 0..n-1; returns the first failing seed and every failure's first violation kind. */
async function sweep(target: Target, variant: string, n: number, extra: Partial<RunOptions> = {}) {
  let first: RunResult | null = null;
  const kinds: string[] = [];
  for (let s = 0; s < n; s++) {
    const r = await run(target, variant, s, extra);
    if (r.outcome === 'pass') continue;
    first ??= r;
    kinds.push(r.violations[0]!.kind);
  }
  return { first, kinds };
}

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

t.test('every target declares each variant with an expected outcome', async (t) => {
  for (const target of targets) {
    t.same(Object.keys(target.expect ?? {}).sort(), [...target.variants].sort(), `${target.name}: expect covers the variants`);
    t.equal(target.expect?.['correct'], 'pass', `${target.name}: correct is expected to pass`);
  }
  t.same(BUGS.map((b) => `${b.target.name}/${b.variant}`).sort(),
    targets.flatMap((x) => x.variants.filter((v) => v !== 'correct').map((v) => `${x.name}/${v}`)).sort(),
    'every buggy variant is covered below');
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
