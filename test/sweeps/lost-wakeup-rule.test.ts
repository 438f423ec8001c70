// Sweeps of the lost-wakeup rule (issue 25; `npm run test:sweeps`): every job-queue failure in
// 1,000 seeds is a lost wakeup of the producer's signal, the correct job queue is clean over 2,000
// seeds, and generated cv(9) programs with a planted mutation fail within a bound of seeds, every
// failure of the expected kind. The pinned cases are in test/lost-wakeup-rule.test.ts.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { execute, DEFAULT_OPTIONS, type RunResult } from '../../dist/harness/engine/execute.js';
import { explore } from '../../dist/harness/explore/explore.js';
import type { ExploreResult } from '../../dist/harness/explore/tally.js';
import type { RunOptions } from '../../dist/harness/engine/options.js';
import type { Target } from '../../harness/core/api.js';
import jobQueue from '../fixtures/job-queue.js';
import { cvProgram, type CvProgram, type Mutation } from '../fixtures/cv-program.js';

function run(target: Target, seed: number, extra: Partial<RunOptions> = {}, variant = 'main'): Promise<RunResult> {
  return execute({ target, variant, seed: String(seed), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, ...extra } });
}

interface LostWakeupDetails {
  waiter: string;
  object: string;
  sleptAtStep: number;
  signal: { step: number; task: string; op: string };
  staleRead: { step: number; object: string; value: string; writtenAtStep: number | null } | null;
}

/** The cell each task writes: producer-i its own counter, consumers the shared one. */
function cellOf(task: string): string {
  return task.startsWith('producer-') ? `made-${task.slice('producer-'.length)}` : 'taken';
}

// ---- the job queue of issue 25 ------------------------------------------------------------

/**
 * Measured with explore's defaults (random, per-seed weather), seeds 1..1000: 27 failures. Before
 * the rule keyed on the signalled cell, 8 of them were reported as `deadlock` and the other 19
 * named the worker's read of `consumed` (1..5000: 161 failures, 62 `deadlock`).
 */
const JOB_SEEDS = '1..1000';
const JOB_MIN_FAILURES = 20;

/** Every failure is a lost wakeup of the producer's signal whose details fit its trace. */
function checkJobQueue(t: Test, r: ExploreResult): void {
  t.same(r.violationsByVariant['unlocked-signal'], { 'lost-wakeup': r.failures.length }, 'every failure is a lost wakeup, none a deadlock');
  const text = /^(worker-\d) sleeps forever in notEmpty\.wait \(since step (\d+)\): it missed producer's signal on notEmpty at step (\d+); \1 had last read produced = (\d+) at step (\d+), before producer wrote it at step (\d+)$/;
  for (const f of r.failures) {
    const m = text.exec(f.first.message);
    if (m === null) {
      t.fail(`seed ${f.seed}: ${f.first.message}`);
      continue;
    }
    const [slept, signal, read, written] = [m[2], m[3], m[5], m[6]].map(Number) as [number, number, number, number];
    if (!(read < written && written <= signal && signal < slept)) t.fail(`seed ${f.seed}: read, write, signal, sleep out of order: ${f.first.message}`);
    if (f.first.actors.join() !== `${m[1]},producer`) t.fail(`seed ${f.seed}: actors ${f.first.actors.join()}`);
  }
  // The failures that kept their run: the steps the details name are what the trace shows.
  const kept = r.failures.filter((f) => f.result !== undefined);
  t.ok(kept.length > 0, 'some failures kept their run');
  for (const f of kept) {
    const v = f.result!.violations[0]!;
    const d = v.details as unknown as LostWakeupDetails;
    const at = (step: number) => f.result!.traceWindow.find((e) => e.step === step && e.op !== 'woke');
    t.match(at(d.staleRead!.step), { task: d.waiter, op: 'get', obj: 'produced', result: d.staleRead!.value }, `seed ${f.seed}: the stale read`);
    t.match(at(d.staleRead!.writtenAtStep!), { task: 'producer', op: 'set', obj: 'produced' }, `seed ${f.seed}: the write it missed`);
    t.match(at(d.signal.step), { task: 'producer', op: 'signal', obj: 'notEmpty' }, `seed ${f.seed}: the unheard signal`);
    t.match(at(d.sleptAtStep), { task: d.waiter, op: 'wait', obj: 'notEmpty', result: 'blocks' }, `seed ${f.seed}: the sleep`);
  }
}

t.test(`job-queue unlocked-signal: every failure in seeds ${JOB_SEEDS} is a lost wakeup of the producer's signal, naming the stale read of produced`, async (t) => {
  const r = await explore({ target: jobQueue, variant: 'unlocked-signal', seeds: JOB_SEEDS, traceWindow: 1000 });
  t.ok(r.failures.length >= JOB_MIN_FAILURES, `at least ${JOB_MIN_FAILURES} failures: ${r.failures.length}`);
  checkJobQueue(t, r);
});

t.test('job-queue correct: clean over 2,000 seeds sweep', async (t) => {
  const r = await explore({ target: jobQueue, variant: 'correct', seeds: '1..2000' });
  t.equal(r.failures.length, 0, r.failures[0]?.first.message ?? 'no failure');
});

// ---- generated cv(9) programs with a planted mutation ------------------------------------

/** A program's shape; `extra` is how many more items the consumers want than are made. */
function programs(mutation: Mutation, extra: number, spurious: fc.Arbitrary<number>): fc.Arbitrary<{ p: CvProgram; spurious: number }> {
  return fc.record({
    makes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    consumers: fc.integer({ min: 1, max: 3 }),
    capacity: fc.integer({ min: 1, max: 3 }),
    oneCv: fc.boolean(),
    after: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    makeMs: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3, maxLength: 3 }),
    // Which consumer takes each item.
    split: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    spurious,
  }).map((r) => {
    const total = r.makes.reduce((a, b) => a + b, 0) + extra;
    const takes = Array<number>(r.consumers).fill(0);
    for (let k = 0; k < total; k++) takes[r.split[k]! % r.consumers]!++;
    const p: CvProgram = {
      makes: r.makes, takes, capacity: r.capacity, oneCv: r.oneCv,
      after: r.after.slice(0, r.makes.length + r.consumers), makeMs: r.makeMs.slice(0, r.makes.length), mutation,
    };
    return { p, spurious: r.spurious };
  });
}

const faultsOf = (spurious: number): Partial<RunOptions> => ({ faults: spurious > 0 ? { spurious } : {} });

/**
 * Measured over these 30 programs (fast-check seed 42), the latest first failing seed:
 * unlocked-publish 573 (a program with three producers of one item each needs the last item to
 * race a consumer on its way to sleep), check-outside-lock 19, if-not-while with spurious
 * wakeups 28. After the first failure each program runs on to seed 99 so that every failure in
 * that window has its kind checked.
 */
const MUTANTS: { mutation: Mutation; kind: string; bound: number; spurious: number }[] = [
  { mutation: 'unlocked-publish', kind: 'lost-wakeup', bound: 1000, spurious: 0 },
  { mutation: 'check-outside-lock', kind: 'lost-wakeup', bound: 100, spurious: 0 },
  { mutation: 'if-not-while', kind: 'invariant', bound: 100, spurious: 0.3 },
];

for (const { mutation, kind, bound, spurious } of MUTANTS) {
  t.test(`${mutation} programs fail within ${bound} seeds, every failure of kind ${kind}`, async (t) => {
    let worst = 0;
    await fc.assert(fc.asyncProperty(programs(mutation, 0, fc.constant(spurious)), async ({ p }) => {
      let first = -1;
      for (let s = 0; s < bound && (first < 0 || s < 100); s++) {
        const r = await run(cvProgram(p), s, faultsOf(spurious));
        if (r.outcome === 'pass') continue;
        if (first < 0) first = s;
        for (const v of r.violations) {
          if (v.kind !== kind) throw new Error(`seed ${s}: ${v.kind}: ${v.message}`);
          if (kind === 'lost-wakeup') checkStale(v.details as unknown as LostWakeupDetails, s);
        }
      }
      if (first < 0) throw new Error(`no failure in ${bound} seeds`);
      worst = Math.max(worst, first);
    }), { seed: 42, numRuns: 30 });
    t.pass(`the latest first failure: seed ${worst}`);
  });
}

/** The stale read is of the cell the signaller writes, and came before its write, the signal and the sleep. */
function checkStale(d: LostWakeupDetails, seed: number): void {
  const r = d.staleRead;
  const ok = r !== null && r.writtenAtStep !== null && r.object === cellOf(d.signal.task) &&
    r.step < r.writtenAtStep && r.writtenAtStep <= d.signal.step && d.signal.step < d.sleptAtStep;
  if (!ok) throw new Error(`seed ${seed}: the stale read does not fit: ${JSON.stringify(d)}`);
}
