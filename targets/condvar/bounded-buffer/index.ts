import type { CondVar, Mutex, Shared, Sim, Target } from '../../../harness/core/api.js';

/**
 * Capacity 1 is the textbook case for one shared cv: with two tasks per side and a capacity of
 * 2, a wrong-kind wakeup never strands everyone (0 deadlocks in 200 seeds).
 */
const CAPACITY = 1;
const PRODUCERS = 2;
const CONSUMERS = 2;
/** Producers and consumers move the same number of items, so a correct run drains and ends. */
const PUTS_EACH = 3;
const TAKES_EACH = 3;
/** Making an item takes virtual time, so the non-preempting baseline rarely finds the buffer full. */
const MAKE_MS = 1;

interface Buffer {
  m: Mutex;
  /** Number of items in the buffer: the predicate both sides wait on. */
  count: Shared<number>;
  notFull: CondVar;
  notEmpty: CondVar;
}

/** One put or take: `delta` +1 for a producer, -1 for a consumer. */
type Step = (b: Buffer, delta: 1 | -1) => Promise<void>;

/** The side-specific view: what a producer waits for and whom it wakes. */
function sides(b: Buffer, delta: 1 | -1): { blocked: (c: number) => boolean; mine: CondVar; theirs: CondVar } {
  return delta === 1
    ? { blocked: (c) => c >= CAPACITY, mine: b.notFull, theirs: b.notEmpty }
    : { blocked: (c) => c <= 0, mine: b.notEmpty, theirs: b.notFull };
}

/** cv(9) by the book: examine the condition under the lock, re-check in a loop after waking. */
const correct: Step = async (b, delta) => {
  const s = sides(b, delta);
  await b.m.lock();
  let c = await b.count.get();
  while (s.blocked(c)) {
    await s.mine.wait(b.m);
    c = await b.count.get();
  }
  await b.count.set(c + delta);
  await s.theirs.signal();
  await b.m.unlock();
};

/**
 * Decides to sleep on an unlocked read. The put/take itself re-checks under the lock, so the
 * buffer never over- or underflows: the only harm is the wakeup that lands between the stale
 * read and the wait.
 */
const checkOutsideLock: Step = async (b, delta) => {
  const s = sides(b, delta);
  for (;;) {
    if (s.blocked(await b.count.get())) {
      await b.m.lock();
      await s.mine.wait(b.m);
      await b.m.unlock();
      continue;
    }
    await b.m.lock();
    const c = await b.count.get();
    if (!s.blocked(c)) {
      await b.count.set(c + delta);
      await s.theirs.signal();
      await b.m.unlock();
      return;
    }
    await b.m.unlock();
  }
};

/** Trusts the wakeup: a barging thread or a spurious wakeup leaves the condition false. */
const ifNotWhile: Step = async (b, delta) => {
  const s = sides(b, delta);
  await b.m.lock();
  if (s.blocked(await b.count.get())) await s.mine.wait(b.m);
  const c = await b.count.get();
  await b.count.set(c + delta);
  await s.theirs.signal();
  await b.m.unlock();
};

const STEPS: Readonly<Record<string, Step>> = {
  correct,
  'check-outside-lock': checkOutsideLock,
  'if-not-while': ifNotWhile,
  // Same code as `correct`; setup makes notFull and notEmpty one cv, so a signal may wake the wrong side.
  'signal-not-broadcast': correct,
};

export default {
  name: 'bounded-buffer',
  description: `producers and consumers on a bounded buffer (capacity ${CAPACITY}, ${PRODUCERS} producers x ${PUTS_EACH} items, ${CONSUMERS} consumers x ${TAKES_EACH}) guarded by a mutex and condition variables`,
  variants: ['correct', 'check-outside-lock', 'if-not-while', 'signal-not-broadcast'],
  expect: {
    correct: 'pass',
    'check-outside-lock': 'lost-wakeup',
    'if-not-while': 'invariant',
    'signal-not-broadcast': 'deadlock',
  },
  setup(sim: Sim, { variant }: { variant: string }): void {
    const step = STEPS[variant];
    if (step === undefined) throw new Error(`bounded-buffer: unknown variant ${variant}`);
    const notFull = sim.condvar(variant === 'signal-not-broadcast' ? 'changed' : 'notFull');
    const b: Buffer = {
      m: sim.mutex('m'),
      count: sim.shared('count', 0),
      notFull,
      notEmpty: variant === 'signal-not-broadcast' ? notFull : sim.condvar('notEmpty'),
    };
    sim.invariant('0 <= count <= capacity', () => b.count.peek() >= 0 && b.count.peek() <= CAPACITY);
    const spawnSide = (role: string, n: number, items: number, delta: 1 | -1): void => {
      for (let i = 1; i <= n; i++) {
        sim.spawn(`${role}-${i}`, async () => {
          for (let k = 0; k < items; k++) {
            if (delta === 1) await sim.sleep(MAKE_MS);
            await step(b, delta);
          }
        });
      }
    };
    spawnSide('producer', PRODUCERS, PUTS_EACH, 1);
    spawnSide('consumer', CONSUMERS, TAKES_EACH, -1);
  },
} satisfies Target;
