/** What the lost-wakeup rule tests of both tiers share (test/lost-wakeup-rule.test.ts and
 * test/sweeps/lost-wakeup-rule.test.ts): a run, the violation's details, and the checks of a
 * job-queue failure and of a stale read. */
import type { Test } from 'tap';
import fc from 'fast-check';
import type { CvProgram, Mutation } from '../fixtures/cv-program.js';
import { execute, DEFAULT_OPTIONS, type RunResult } from '../../dist/harness/engine/execute.js';
import type { ExploreResult } from '../../dist/harness/campaign/tally.js';
import type { RunOptions } from '../../dist/harness/engine/options.js';
import type { Target } from '../../harness/core/api.js';

export function run(target: Target, seed: number, extra: Partial<RunOptions> = {}, variant = 'main'): Promise<RunResult> {
  return execute({ target, variant, seed: String(seed), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, ...extra } });
}

export interface LostWakeupDetails {
  waiter: string;
  object: string;
  sleptAtStep: number;
  signal: { step: number; task: string; op: string };
  staleRead: { step: number; object: string; value: string; writtenAtStep: number | null } | null;
}

/** The cell each task writes: producer-i its own counter, consumers the shared one. */
export function cellOf(task: string): string {
  return task.startsWith('producer-') ? `made-${task.slice('producer-'.length)}` : 'taken';
}

/** Every failure is a lost wakeup of the producer's signal whose details fit its trace. */
export function checkJobQueue(t: Test, r: ExploreResult): void {
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

/** The stale read is of the cell the signaller writes, and came before its write, the signal and the sleep. */
export function checkStale(d: LostWakeupDetails, seed: number): void {
  const r = d.staleRead;
  const ok = r !== null && r.writtenAtStep !== null && r.object === cellOf(d.signal.task) &&
    r.step < r.writtenAtStep && r.writtenAtStep <= d.signal.step && d.signal.step < d.sleptAtStep;
  if (!ok) throw new Error(`seed ${seed}: the stale read does not fit: ${JSON.stringify(d)}`);
}

export const faultsOf = (spurious: number): Partial<RunOptions> => ({ faults: spurious > 0 ? { spurious } : {} });

/** A program's shape; `extra` is how many more items the consumers want than are made. */
export function programs(mutation: Mutation, extra: number, spurious: fc.Arbitrary<number>): fc.Arbitrary<{ p: CvProgram; spurious: number }> {
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
