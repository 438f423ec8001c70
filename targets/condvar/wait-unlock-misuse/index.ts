import type { CondVar, Mutex, Shared, Sim, Target } from '../../../harness/core/api.js';

const WORKERS = 3;
const ROUNDS = 2;

interface Pool {
  m: Mutex;
  /** Who holds the one resource, or null when it is free. */
  owner: Shared<string | null>;
  freed: CondVar;
}

/** Claims the free resource under the lock the caller holds; false when it is taken. */
async function claimLocked(p: Pool, me: string): Promise<boolean> {
  if ((await p.owner.get()) !== null) return false;
  await p.owner.set(me);
  await p.m.unlock();
  return true;
}

/** cv_wait_unlock returns without the mutex, so the woken task re-takes it before looking. */
async function acquireCorrect(p: Pool, me: string): Promise<void> {
  await p.m.lock();
  while (!(await claimLocked(p, me))) {
    await p.freed.waitUnlock(p.m);
    await p.m.lock();
  }
}

/**
 * After cv_wait_unlock it checks and claims the resource with no lock held: a barging task can
 * claim it between this task's read and its write, and both believe they own it.
 */
async function acquireUnlockedCheck(p: Pool, me: string): Promise<void> {
  await p.m.lock();
  while (!(await claimLocked(p, me))) {
    await p.freed.waitUnlock(p.m);
    if ((await p.owner.get()) === null) {
      await p.owner.set(me);
      return;
    }
    await p.m.lock();
  }
}

export default {
  name: 'wait-unlock-misuse',
  description: `${WORKERS} workers share one resource; a waiter sleeps with cv_wait_unlock (waitUnlock), which returns without the mutex`,
  variants: ['correct', 'check-after-wait-unlock'],
  expect: { correct: 'pass', 'check-after-wait-unlock': 'assert' },
  setup(sim: Sim, { variant }: { variant: string }): void {
    if (variant !== 'correct' && variant !== 'check-after-wait-unlock') {
      throw new Error(`wait-unlock-misuse: unknown variant ${variant}`);
    }
    const p: Pool = { m: sim.mutex('m'), owner: sim.shared<string | null>('owner', null), freed: sim.condvar('freed') };
    const acquire = variant === 'correct' ? acquireCorrect : acquireUnlockedCheck;
    for (let i = 1; i <= WORKERS; i++) {
      const me = `worker-${i}`;
      sim.spawn(me, async () => {
        for (let r = 0; r < ROUNDS; r++) {
          await acquire(p, me);
          await sim.yield(); // the work done while holding the resource
          await p.m.lock();
          const holder = await p.owner.get();
          sim.assert(holder === me, `${me} released a resource held by ${holder ?? 'nobody'}: it was handed out twice`);
          await p.owner.set(null);
          await p.freed.signal();
          await p.m.unlock();
        }
      });
    }
  },
} satisfies Target;
