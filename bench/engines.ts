import * as fc from 'fast-check';
import { execute, DEFAULT_OPTIONS } from '../harness/engine/execute.js';
import type { Target } from '../harness/core/api.js';
import type { RunOptions } from '../harness/engine/options.js';
import { CoopSync, Floor, type Waker } from './coop.js';
import type { Batch } from './measure.js';
import type { BenchSync, Workload } from './workload.js';

/** The default options (decision log and hash are always on) as a campaign's worker runs a
 * seed (a passing run's list is not spelled out: the campaign drops it); only the step budget
 * is raised, because pc64 takes more than 100,000 steps. */
const OPTIONS: RunOptions = { ...DEFAULT_OPTIONS, maxSteps: 10_000_000, dropPassingDetail: true };

/** `runs` interleave executions per batch, with the random strategy and a fresh seed each. */
/** `exec`: another build's execute(), for the A/B section (bench/ab.ts). */
export function interleaveBatch(w: Workload, runs: number, exec: typeof execute = execute): () => Promise<Batch> {
  let seed = 0;
  let check: (() => void) | null = null;
  const target: Target = {
    name: `bench-${w.name}`,
    description: `benchmark workload ${w.name}`,
    variants: ['default'],
    setup(sim) {
      const m = sim.mutex('m');
      const cvs = [sim.condvar('notFull'), sim.condvar('notEmpty')] as const;
      const sync: BenchSync = {
        lock: () => m.lock(),
        unlock: () => m.unlock(),
        wait: (c) => cvs[c].wait(m),
        signal: (c) => cvs[c].signal(),
        yield: () => sim.yield(),
      };
      const made = w.make(sync);
      check = made.check;
      made.bodies.forEach((b, i) => sim.spawn(`t${i}`, b));
    },
  };
  return async () => {
    let decisions = 0;
    for (let i = 0; i < runs; i++) {
      const s = String(seed++);
      const r = await exec({ target, variant: 'default', seed: s, strategy: { name: 'random' }, options: OPTIONS });
      if (r.outcome !== 'pass') throw new Error(`interleave ${w.name} seed ${s}: ${r.violations[0]?.message ?? r.end}`);
      check!();
      decisions += r.steps;
    }
    return { runs, decisions };
  };
}

export function floorBatch(w: Workload, runs: number): () => Promise<Batch> {
  let seed = 0;
  return async () => {
    let decisions = 0;
    for (let i = 0; i < runs; i++) {
      const floor = new Floor(seed++);
      const made = w.make(floor);
      decisions += await floor.run(made.bodies);
      made.check();
    }
    return { runs, decisions };
  };
}

/** Every operation is one `s.schedule`d promise; a decision is one scheduled task released. */
class FcSync extends CoopSync {
  decisions = 0;
  private static readonly done = Promise.resolve();

  constructor(private readonly s: fc.Scheduler) {
    super();
  }

  point(): Promise<void> {
    this.decisions++;
    return this.s.schedule(FcSync.done);
  }

  park(q: Waker[]): Promise<void> {
    return new Promise<void>((res) => q.push(res));
  }

  wake(w: Waker): void {
    w();
  }
}

export type FcDrive = 'waitAll' | 'waitIdle';

/** Releases scheduled tasks until every body has finished. */
async function drive(s: fc.Scheduler, all: Promise<unknown>, how: FcDrive): Promise<void> {
  let finished = false;
  let failure: unknown = null;
  all.then(() => (finished = true), (e) => { failure = e; finished = true; });
  // waitAll returns as soon as nothing is scheduled, which can be before a just-released task
  // has scheduled its next operation: loop, giving microtasks a turn, until all bodies are done.
  for (let idle = 0; !finished; ) {
    if (s.count() > 0) {
      idle = 0;
      await (how === 'waitAll' ? s.waitAll() : s.waitIdle());
    } else {
      if (++idle > 10_000) throw new Error('fast-check workload stuck: nothing scheduled and tasks unfinished');
      await Promise.resolve();
    }
  }
  if (failure !== null) throw failure;
}

async function fcRun(w: Workload, s: fc.Scheduler, how: FcDrive): Promise<number> {
  const sync = new FcSync(s);
  const made = w.make(sync);
  await drive(s, Promise.all(made.bodies.map((b) => b())), how);
  made.check();
  if (s.count() !== 0) throw new Error(`fast-check ${w.name}: ${s.count()} tasks left scheduled`);
  return sync.decisions;
}

/** One long run per batch on a scheduler drawn with a fresh seed, outside fc.assert. */
export function fcBatch(w: Workload, how: FcDrive): () => Promise<Batch> {
  let seed = 1;
  return async () => {
    const s = fc.sample(fc.scheduler(), { seed: seed++, numRuns: 1 })[0]!;
    return { runs: 1, decisions: await fcRun(w, s, how) };
  };
}

/** `runs` runs inside one fc.assert, as a property test would use the scheduler. */
export function fcAssertBatch(w: Workload, how: FcDrive, runs: number): () => Promise<Batch> {
  let seed = 1;
  return async () => {
    let decisions = 0;
    const prop = fc.asyncProperty(fc.scheduler(), async (s) => {
      decisions += await fcRun(w, s, how);
    });
    await fc.assert(prop, { numRuns: runs, seed: seed++ });
    return { runs, decisions };
  };
}
