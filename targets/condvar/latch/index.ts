import type { Mutex, Shared, CondVar, Sim, Target } from '../../../harness/core/api.js';

const WAITERS = 3;

interface Latch {
  m: Mutex;
  open: Shared<boolean>;
  opened: CondVar;
}

/** cv(9): hold the lock while examining `open` and while calling wait; re-check after waking. */
async function awaitCorrect(l: Latch): Promise<void> {
  await l.m.lock();
  while (!(await l.open.get())) await l.opened.wait(l.m);
  await l.m.unlock();
}

/** Reads `open` without the lock, then sleeps on what it saw: the broadcast can fall in between. */
async function awaitCheckOutsideLock(l: Latch): Promise<void> {
  if (await l.open.get()) return;
  await l.m.lock();
  await l.opened.wait(l.m);
  await l.m.unlock();
}

export default {
  name: 'latch',
  description: `a one-shot event: ${WAITERS} waiters block until an opener sets \`open\` and broadcasts`,
  variants: ['correct', 'check-outside-lock'],
  expect: { correct: 'pass', 'check-outside-lock': 'lost-wakeup' },
  setup(sim: Sim, { variant }: { variant: string }): void {
    if (variant !== 'correct' && variant !== 'check-outside-lock') throw new Error(`latch: unknown variant ${variant}`);
    const l: Latch = { m: sim.mutex('m'), open: sim.shared('open', false), opened: sim.condvar('opened') };
    const wait = variant === 'correct' ? awaitCorrect : awaitCheckOutsideLock;
    for (let i = 1; i <= WAITERS; i++) {
      sim.spawn(`waiter-${i}`, async () => {
        await wait(l);
        sim.assert(l.open.peek(), `waiter-${i} passed a latch that is not open`);
      });
    }
    sim.spawn('opener', async () => {
      await l.m.lock();
      await l.open.set(true);
      await l.opened.broadcast();
      await l.m.unlock();
    });
  },
} satisfies Target;
