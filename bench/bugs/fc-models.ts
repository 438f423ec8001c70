import * as fc from 'fast-check';
import { FcWorld, type FcCondvar, type FcMutex, type FcShared } from './fc-world.js';

/** A bug written for fast-check: named tasks over fresh state, built per run. */
export interface FcModel {
  /** The bundled target and variant it ports. */
  target: string;
  variant: string;
  make(w: FcWorld): { name: string; body: () => Promise<void> }[];
}

/** The same sizes as targets/condvar/bounded-buffer. */
const CAPACITY = 1;
const PRODUCERS = 2;
const CONSUMERS = 2;
const ITEMS = 3;

interface Buffer {
  m: FcMutex;
  count: FcShared<number>;
  notFull: FcCondvar;
  notEmpty: FcCondvar;
}

/** bounded-buffer `check-outside-lock`, line for line: decides to sleep on an unlocked read. */
async function putOrTake(b: Buffer, delta: 1 | -1): Promise<void> {
  const blocked = (c: number): boolean => (delta === 1 ? c >= CAPACITY : c <= 0);
  const mine = delta === 1 ? b.notFull : b.notEmpty;
  const theirs = delta === 1 ? b.notEmpty : b.notFull;
  for (;;) {
    if (blocked(await b.count.get())) {
      await b.m.lock();
      await mine.wait(b.m);
      await b.m.unlock();
      continue;
    }
    await b.m.lock();
    const c = await b.count.get();
    if (!blocked(c)) {
      await b.count.set(c + delta);
      await theirs.signal();
      await b.m.unlock();
      return;
    }
    await b.m.unlock();
  }
}

export const boundedBufferModel: FcModel = {
  target: 'bounded-buffer',
  variant: 'check-outside-lock',
  make(w) {
    const b: Buffer = { m: w.mutex(), count: w.shared(0), notFull: w.condvar(), notEmpty: w.condvar() };
    const side = (role: string, n: number, delta: 1 | -1) =>
      Array.from({ length: n }, (_, i) => ({
        name: `${role}-${i + 1}`,
        body: async () => {
          for (let k = 0; k < ITEMS; k++) {
            // interleave's sim.sleep(1): a scheduling point that lets time (and others) move.
            if (delta === 1) await w.point();
            await putOrTake(b, delta);
          }
        },
      }));
    return [...side('producer', PRODUCERS, 1), ...side('consumer', CONSUMERS, -1)];
  },
};

/** latch `check-outside-lock`: waiters read `open` unlocked, then sleep on what they saw. */
export const latchModel: FcModel = {
  target: 'latch',
  variant: 'check-outside-lock',
  make(w) {
    const m = w.mutex();
    const open = w.shared(false);
    const opened = w.condvar();
    const waiters = [1, 2, 3].map((i) => ({
      name: `waiter-${i}`,
      body: async () => {
        if (await open.get()) return;
        await m.lock();
        await opened.wait(m);
        await m.unlock();
      },
    }));
    const opener = {
      name: 'opener',
      body: async () => {
        await m.lock();
        await open.set(true);
        await opened.broadcast();
        await m.unlock();
      },
    };
    return [...waiters, opener];
  },
};

const turn = (): Promise<void> => new Promise((res) => setImmediate(res));

/**
 * One property run: start every task, release scheduled promises until none is left, and fail
 * if a task never finished. That is all fast-check can observe of a lost wakeup: the waiter
 * parked on a plain promise nobody resolves, so `waitIdle` returns with it still pending.
 */
export async function runModel(model: FcModel, s: fc.Scheduler): Promise<void> {
  const tasks = model.make(new FcWorld(s));
  const done = tasks.map(() => false);
  let failure: unknown = null;
  tasks.forEach((t, i) => void t.body().then(() => (done[i] = true), (e: unknown) => (failure ??= e)));
  do {
    await s.waitIdle();
    // A task just woken by a signal schedules its next point a few microtasks later.
    await turn();
  } while (s.count() > 0);
  if (failure !== null) throw failure;
  const pending = tasks.filter((_, i) => !done[i]).map((t) => t.name);
  if (pending.length > 0) throw new Error(`did not finish: ${pending.join(', ')} still pending`);
}

export interface FcWalk {
  /** Runs until the first failure (fast-check's numRuns), or cap + 1. */
  count: number;
  message: string | null;
  path: string | null;
}

/** fc.check with the base seed as fast-check's seed; numRuns of the failure is seeds-to-failure. */
export async function fcSeedsToFailure(model: FcModel, seed: number, cap: number): Promise<FcWalk> {
  const prop = fc.asyncProperty(fc.scheduler(), (s) => runModel(model, s));
  const d = await fc.check(prop, { seed, numRuns: cap, endOnFailure: true });
  if (!d.failed) return { count: cap + 1, message: null, path: null };
  const e = d.errorInstance;
  return { count: d.numRuns, message: e instanceof Error ? e.message : String(e), path: d.counterexamplePath };
}

export const FC_VERSION: string = fc.__version;
