import t, { type Test } from 'tap';
import { execute, DEFAULT_OPTIONS, type RunResult } from '../dist/harness/engine/execute.js';
import type { RunOptions } from '../dist/harness/engine/options.js';
import type { Sim, Target } from '../harness/core/api.js';

/** An inline target with a planted bug (`buggy`) and its fixed twin (`fixed`). */
function target(name: string, setup: (sim: Sim, buggy: boolean) => void): Target {
  return { name, description: name, variants: ['buggy', 'fixed'], setup: (sim, { variant }) => setup(sim, variant === 'buggy') };
}

function run(tg: Target, variant: string, seed = 0, extra: Partial<RunOptions> = {}, strategy = 'random'): Promise<RunResult> {
  return execute({ target: tg, variant, seed: String(seed), strategy: { name: strategy }, options: { ...DEFAULT_OPTIONS, ...extra } });
}

/** The first of n seeds that fails, or null; and whether any seed failed another way. */
async function firstFailure(tg: Target, variant: string, n: number, extra: Partial<RunOptions> = {}): Promise<RunResult | null> {
  for (let s = 0; s < n; s++) {
    const r = await run(tg, variant, s, extra);
    if (r.outcome !== 'pass') return r;
  }
  return null;
}

/** Asserts the fixed twin passes every one of n seeds. */
async function silent(t: Test, tg: Target, n: number, extra: Partial<RunOptions> = {}): Promise<void> {
  const r = await firstFailure(tg, 'fixed', n, extra);
  t.equal(r, null, r ? `fixed twin failed seed ${r.seed}: ${r.violations[0]?.message}` : `fixed twin silent over ${n} seeds`);
}

// ---- deadlock ---------------------------------------------------------------------------

const lockOrder = target('lock-order', (sim, buggy) => {
  const a = sim.mutex('a');
  const b = sim.mutex('b');
  const both = (first: typeof a, second: typeof a) => async () => {
    await first.lock();
    await sim.yield();
    await second.lock();
    await second.unlock();
    await first.unlock();
  };
  sim.spawn('ab', both(a, b));
  sim.spawn('ba', buggy ? both(b, a) : both(a, b));
});

t.test('deadlock: a lock-order cycle is reported the moment it forms, naming both tasks', async (t) => {
  const r = await firstFailure(lockOrder, 'buggy', 50);
  const v = r?.violations[0];
  t.equal(v?.kind, 'deadlock');
  t.same([...(v?.actors ?? [])].sort(), ['ab', 'ba']);
  t.match(v?.message, /^lock cycle: /, 'reported by lock(), not by the end-of-run analysis');
  const cycle = (v?.details as { cycle: { task: string; holds: string; wants: string }[] }).cycle;
  t.same(cycle.map((c) => `${c.task}:${c.holds}->${c.wants}`).sort(), ['ab:a->b', 'ba:b->a']);
  t.equal(r?.end, 'violation');
  // The closing task resumed from its yield and asked for its second lock: that request is the report.
  t.match(r?.traceWindow.at(-1), { task: v?.actors[0], op: 'yield' }, 'reported at the lock request that closed the cycle');
  t.equal(v?.step, r?.steps, 'no step ran after it');
  await silent(t, lockOrder, 300);
});

const stuck = target('stuck', (sim, buggy) => {
  const m = sim.mutex('m');
  const go = sim.semaphore('go', 0);
  const held = sim.semaphore('held', 0);
  sim.spawn('holder', async () => {
    await m.lock();
    await held.release();
    await go.acquire();
    await m.unlock();
  });
  sim.spawn('locker', async () => {
    await held.acquire();
    await m.lock();
    await m.unlock();
  });
  if (!buggy) sim.spawn('starter', async () => go.release());
});

t.test('deadlock: at the end, the stuck tasks are listed with what they wait on and who holds what', async (t) => {
  const r = await run(stuck, 'buggy');
  const v = r.violations[0];
  t.equal(v?.kind, 'deadlock');
  t.same(v?.actors, ['holder', 'locker']);
  t.same(v?.details, { waits: ['holder waits on go.acquire', 'locker waits on m.lock'], held: ['holder holds m'] });
  t.equal(r.end, 'violation');
  await silent(t, stuck, 200);
});

// ---- mutex-misuse -----------------------------------------------------------------------

const foreignUnlock = target('foreign-unlock', (sim, buggy) => {
  const m = sim.mutex('m');
  const locked = sim.semaphore('locked', 0);
  const done = sim.semaphore('done', 0);
  sim.spawn('owner', async () => {
    await m.lock();
    await locked.release();
    await done.acquire();
    await m.unlock();
  });
  sim.spawn('intruder', async () => {
    await locked.acquire();
    if (buggy) await m.unlock();
    await done.release();
  });
});

const waitUnheld = target('wait-unheld', (sim, buggy) => {
  const m = sim.mutex('m');
  const cv = sim.condvar('cv');
  sim.spawn('waiter', async () => {
    if (!buggy) await m.lock();
    await cv.timedWait(m, 5);
    await m.unlock();
  });
});

const relock = target('relock', (sim, buggy) => {
  const m = sim.mutex('m');
  sim.spawn('owner', async () => {
    await m.lock();
    if (buggy) await m.lock();
    await m.unlock();
  });
});

t.test('mutex-misuse: unlock by a non-owner, wait without the mutex, re-lock by the owner', async (t) => {
  const cases: [Target, string, RegExp][] = [
    [foreignUnlock, 'intruder', /intruder unlocked m held by owner/],
    [waitUnheld, 'waiter', /waiter called cv\.timedWait\(m\) without holding m/],
    [relock, 'owner', /owner locked m which it already holds/],
  ];
  for (const [tg, actor, message] of cases) {
    const r = await firstFailure(tg, 'buggy', 20);
    t.match(r?.violations[0], { kind: 'mutex-misuse', actors: [actor], message }, tg.name);
    await silent(t, tg, 100);
  }
});

// ---- errors, invariants, asserts --------------------------------------------------------

const thrower = target('thrower', (sim, buggy) => {
  sim.spawn('parser', async () => {
    await sim.yield();
    try {
      throw new Error('boom: bad input');
    } catch (e) {
      if (buggy) throw e;
    }
  });
});

t.test('uncaught-error: a task that throws is reported with its error', async (t) => {
  const r = await run(thrower, 'buggy');
  t.match(r.violations, [{ kind: 'uncaught-error', actors: ['parser'], message: /parser threw: Error: boom: bad input/ }]);
  await silent(t, thrower, 20);
});

/** Two withdrawals of 60 from a balance of 100: check-then-act, with or without the lock. */
const bank = (useAssert: boolean) => target(useAssert ? 'bank-assert' : 'bank-invariant', (sim, buggy) => {
  const m = sim.mutex('m');
  const balance = sim.shared('balance', 100);
  let paid = 0;
  if (!useAssert) sim.invariant('balance >= 0', () => balance.peek() >= 0);
  for (const who of ['alice', 'bob']) {
    sim.spawn(who, async () => {
      if (!buggy) await m.lock();
      if ((await balance.get()) >= 60) {
        await balance.set((await balance.get()) - 60);
        paid += 60;
        if (useAssert) sim.assert(paid <= 100, `paid out ${paid} from a balance of 100`);
      }
      if (!buggy) await m.unlock();
    });
  }
});

t.test('invariant: a check-then-act race overdraws the balance', async (t) => {
  const tg = bank(false);
  const r = await firstFailure(tg, 'buggy', 50);
  t.match(r?.violations[0], { kind: 'invariant', actors: [/^(alice|bob)$/], details: { invariant: 'balance >= 0' } });
  t.match(r?.traceWindow.at(-1), { task: r?.violations[0]?.actors[0], op: 'set', obj: 'balance' }, 'the overdrawing write');
  await silent(t, tg, 300);
});

t.test('assert: the same race fails an assertion in the task that paid too much', async (t) => {
  const tg = bank(true);
  const r = await firstFailure(tg, 'buggy', 50);
  t.match(r?.violations[0], { kind: 'assert', actors: [/^(alice|bob)$/], message: /assertion failed in (alice|bob): paid out 120 from a balance of 100/ });
  await silent(t, tg, 300);
});

// ---- misuse of the harness --------------------------------------------------------------

const bothAtOnce = target('both-at-once', (sim, buggy) => {
  const a = sim.mutex('a');
  const b = sim.mutex('b');
  sim.spawn('bystander', async () => sim.yield());
  sim.spawn('greedy', async () => {
    if (buggy) {
      await Promise.all([a.lock(), b.lock()]);
    } else {
      await a.lock();
      await b.lock();
    }
    await b.unlock();
    await a.unlock();
  });
});

t.test('unawaited-operation: Promise.all over two locks is blamed on the task that did it', async (t) => {
  const r = await run(bothAtOnce, 'buggy');
  t.match(r.violations, [{ kind: 'unawaited-operation', actors: ['greedy'], message: /greedy started b\.lock while its a\.lock was still pending/ }]);
  await silent(t, bothAtOnce, 50);
});

const escaper = target('escaper', (sim, buggy) => {
  sim.spawn('sleeper', async () => {
    await sim.yield();
    // allowed in test files: a real timer is exactly what the detector must catch
    if (buggy) await new Promise((r) => setTimeout(r, 20));
    else await sim.sleep(20);
  });
  sim.spawn('other', async () => sim.yield());
});

t.test('escaped-simulation: a task awaiting a real timer ends the run with a violation naming it', async (t) => {
  const r = await run(escaper, 'buggy');
  t.match(r.violations, [{ kind: 'escaped-simulation', actors: ['sleeper'], message: /task sleeper awaited something the harness does not control/ }]);
  t.equal(r.end, 'violation');
  await silent(t, escaper, 20);
});

const spinners = target('spinners', (sim, buggy) => {
  for (const name of ['left', 'right']) {
    sim.spawn(name, async () => {
      for (let i = 0; buggy || i < 10; i++) await sim.yield();
    });
  }
});

t.test('budget-exceeded: two tasks yielding forever exhaust maxSteps', async (t) => {
  const r = await run(spinners, 'buggy', 0, { maxSteps: 300 });
  t.match(r.violations, [{ kind: 'budget-exceeded', message: /300 steps ran out/ }]);
  t.same([...r.violations[0]!.actors].sort(), ['left', 'right']);
  t.equal(r.steps, 300);
  await silent(t, spinners, 20, { maxSteps: 300 });
});

// ---- lost wakeups -----------------------------------------------------------------------

/** Swarmkit #699: the leader event is published before the manager subscribes. */
const lateSubscriber = target('late-subscriber', (sim, buggy) => {
  const leadership = sim.broadcaster<string>('leadership');
  const isLeader = sim.shared('isLeader', false);
  const published = sim.semaphore('published', 0);
  sim.spawn('raft', async () => {
    await isLeader.set(true);
    await leadership.publish('IsLeader');
    await published.release();
  });
  sim.spawn('manager', async () => {
    await published.acquire();
    const sub = await leadership.subscribe();
    if (!buggy && (await isLeader.get())) return sub.close();
    await sub.next();
    await sub.close();
  });
});

t.test('broadcaster: a late subscriber waiting for a value published before it subscribed is a lost wakeup', async (t) => {
  const r = await run(lateSubscriber, 'buggy');
  t.match(r.violations, [{
    kind: 'lost-wakeup', actors: ['manager', 'raft'],
    details: { waiter: 'manager', object: 'leadership', signal: { task: 'raft', op: 'publish' }, staleRead: null },
  }]);
  t.equal(r.violations.length, 1, 'the lost wakeup replaces the deadlock report');
  await silent(t, lateSubscriber, 50);
});

/** An early subscriber hears the publish; the late one still missed it. */
const twoSubscribers = target('two-subscribers', (sim, buggy) => {
  const events = sim.broadcaster<number>('events');
  const early = sim.semaphore('early', 0);
  const published = sim.semaphore('published', 0);
  const subscribed = sim.semaphore('subscribed', 0);
  sim.spawn('early', async () => {
    const sub = await events.subscribe();
    await early.release();
    await sub.next();
  });
  sim.spawn('publisher', async () => {
    await early.acquire();
    await events.publish(1);
    await published.release();
    if (buggy) return;
    await subscribed.acquire();
    await events.publish(2);
  });
  sim.spawn('late', async () => {
    await published.acquire();
    const sub = await events.subscribe();
    await subscribed.release();
    await sub.next();
  });
});

t.test('broadcaster: a publish heard by others is still lost for a later subscriber', async (t) => {
  const r = await firstFailure(twoSubscribers, 'buggy', 20);
  t.match(r?.violations, [{ kind: 'lost-wakeup', actors: ['late', 'publisher'], details: { signal: { op: 'publish' } } }]);
  t.equal(r?.violations.length, 1, 'the early subscriber, which heard it, is not flagged');
  await silent(t, twoSubscribers, 100);
});

/** One item is produced, with a signal nobody hears; the consumer wants one or two. */
const earlySignal = target('early-signal', (sim, buggy) => {
  const m = sim.mutex('m');
  const cv = sim.condvar('cv');
  const items = sim.shared('items', 0);
  sim.spawn('producer', async () => {
    await m.lock();
    await items.set(1);
    await cv.signal();
    await m.unlock();
  });
  sim.spawn('consumer', async () => {
    for (let want = buggy ? 2 : 1; want > 0; want--) {
      await m.lock();
      let n = await items.get();
      while (n === 0) {
        await cv.wait(m);
        n = await items.get();
      }
      await items.set(n - 1);
      await m.unlock();
    }
  });
});

t.test('a consumer that re-checks under the lock after an early unheard signal is not a lost wakeup', async (t) => {
  const ok = await run(earlySignal, 'fixed', 0, { traceAll: true }, 'run-to-block');
  t.equal(ok.outcome, 'pass');
  t.match(ok.trace?.find((e) => e.op === 'signal'), { task: 'producer', step: 4 }, 'the signal came before the consumer ran');
  // Waiting for a second item that never comes: it sleeps forever, but its read is newer than the signal.
  const r = await run(earlySignal, 'buggy', 0, {}, 'run-to-block');
  t.match(r.violations, [{ kind: 'deadlock', actors: ['consumer'] }]);
  t.equal(r.violations.length, 1, 'no lost-wakeup');
  for (let s = 0; s < 100; s++) {
    const x = await run(earlySignal, 'buggy', s);
    if (x.violations.map((v) => v.kind).join() !== 'deadlock') t.fail(`seed ${s}: ${x.violations.map((v) => v.kind).join()}`);
  }
});

// ---- timed waits, semaphores, daemons ---------------------------------------------------

t.test('timedWait returns timeout or signaled, at the right virtual time, holding the mutex', async (t) => {
  const seen: { result: string; at: number; holder: string | null }[] = [];
  const tg = target('timed', (sim, buggy) => {
    const m = sim.mutex('m');
    const cv = sim.condvar('cv');
    const locked = sim.semaphore('locked', 0);
    sim.spawn('waiter', async () => {
      await m.lock();
      await locked.release();
      const result = await cv.timedWait(m, 10);
      seen.push({ result, at: sim.now(), holder: m.holder() });
      await m.unlock();
    });
    if (!buggy) {
      sim.spawn('signaller', async () => {
        // m is free again only once the waiter sleeps, so the signal cannot go unheard.
        await locked.acquire();
        await sim.sleep(3);
        await m.lock();
        await cv.signal();
        await m.unlock();
      });
    }
  });
  for (let s = 0; s < 20; s++) t.equal((await run(tg, 'buggy', s)).outcome, 'pass');
  t.same(seen.splice(0), Array(20).fill({ result: 'timeout', at: 10, holder: 'waiter' }), 'no signal: timeout at 10ms');
  // The baseline runs ready tasks before moving time, so the signal at 3ms beats the 10ms timeout.
  t.equal((await run(tg, 'fixed', 0, {}, 'run-to-block')).outcome, 'pass');
  t.same(seen.splice(0), [{ result: 'signaled', at: 3, holder: 'waiter' }], 'signal at 3ms: signaled');
  // Random may let time run past a ready task, so the timeout can win the race; either way the
  // result says which happened and the mutex is held again.
  for (let s = 0; s < 100; s++) t.equal((await run(tg, 'fixed', s)).outcome, 'pass');
  const bad = seen.filter((x) => x.holder !== 'waiter' || (x.result === 'signaled' ? x.at !== 3 : x.result !== 'timeout' || x.at < 10));
  t.same(bad, [], 'signaled at 3ms or timed out at 10ms or later');
  t.ok(seen.some((x) => x.result === 'signaled'), 'random also finds the signaled outcome');
});

/** A critical section guarded by a semaphore; the planted bug starts it at 2. */
const gate = target('gate', (sim, buggy) => {
  const sem = sim.semaphore('gate', buggy ? 2 : 1);
  const inside = sim.shared('inside', 0);
  sim.invariant('at most one inside', () => inside.peek() <= 1);
  for (const name of ['a', 'b', 'c']) {
    sim.spawn(name, async () => {
      await sem.acquire();
      await inside.set(inside.peek() + 1);
      await sim.yield();
      await inside.set(inside.peek() - 1);
      await sem.release();
    });
  }
});

t.test('semaphore: a count of 2 lets two tasks in; a count of 1 never does', async (t) => {
  const r = await firstFailure(gate, 'buggy', 50);
  t.match(r?.violations[0], { kind: 'invariant', details: { invariant: 'at most one inside' } });
  await silent(t, gate, 300);
});

t.test('daemon tasks may stay blocked at the end; the same task as a non-daemon is a deadlock', async (t) => {
  const worker = target('worker', (sim, buggy) => {
    const m = sim.mutex('m');
    const cv = sim.condvar('work');
    sim.spawn('worker', async () => {
      await m.lock();
      for (;;) await cv.wait(m);
    }, { daemon: !buggy });
    sim.spawn('main', async () => sim.yield());
  });
  const r = await run(worker, 'buggy');
  t.match(r.violations, [{ kind: 'deadlock', actors: ['worker'] }]);
  const ok = await run(worker, 'fixed');
  t.same([ok.outcome, ok.end], ['pass', 'quiescent']);
});

// ---- determinism ------------------------------------------------------------------------

t.test('a target that branches on the real Math.random gives several hashes for one seed', async (t) => {
  const tg = target('nondeterministic', (sim, buggy) => {
    for (const name of ['x', 'y']) {
      sim.spawn(name, async () => {
        // allowed in test files: the planted nondeterminism the hash must expose
        const n = buggy ? 1 + Math.floor(Math.random() * 8) : 4;
        for (let i = 0; i < n; i++) await sim.yield();
      });
    }
  });
  const hashes = async (variant: string) => {
    const h = new Set<string>();
    for (let i = 0; i < 20; i++) h.add((await run(tg, variant, 7)).decisionHash);
    return h.size;
  };
  t.ok((await hashes('buggy')) > 1, 'Math.random shows up as differing decision hashes');
  t.equal(await hashes('fixed'), 1, 'a deterministic target gives one hash per seed');
});
