import type { CondVar, Mutex, Op } from '../core/api.js';
import type { Run } from '../core/run.js';
import { BLOCK, writtenBy, withUnheard, type Task, type Unheard } from '../core/task.js';
import type { TimedEvent } from '../core/timers.js';
import { SimMutex } from './mutex.js';

type WaitMode = 'wait' | 'waitUnlock' | 'timedWait';

/** Exec of a woken waitUnlock: nothing to reacquire, the wait's result is handed back. */
const passResult = (_t: Task, result: unknown): unknown => result;

interface Waiter {
  task: Task;
  mode: WaitMode;
  mutex: SimMutex;
  timer: TimedEvent | null;
}

/**
 * FreeBSD cv(9). `wait` releases the mutex and joins the sleep queue in one step (the kernel
 * enqueues before it drops the caller's lock, which is what makes the pair atomic); a woken
 * waiter then contends for the mutex like any locker. A signal that finds no sleeper is
 * remembered with the cells its task had written: if a task later sleeps here forever, having
 * last read one of those cells before the signaller wrote it, the signal was its lost wakeup
 * (check/lost-wakeup.ts).
 */
export class SimCondVar implements CondVar {
  private readonly waiters: Waiter[] = [];
  private boundMutex: SimMutex | null = null;
  /** Per signalling task, its latest signal that reached no waiter or its latest broadcast: what a
   * later sleeper may have missed. Replaced, never changed, so each sleeper keeps the one it saw. */
  private unheard: readonly Unheard[] = [];

  constructor(
    private readonly run: Run,
    readonly name: string,
    private readonly spuriousRate: number,
  ) {}

  wait(m: Mutex): Op<void> {
    return this.enter('wait', m, 0) as Op<void>;
  }

  waitUnlock(m: Mutex): Op<void> {
    return this.enter('waitUnlock', m, 0) as Op<void>;
  }

  timedWait(m: Mutex, timeoutMs: number): Op<'signaled' | 'timeout'> {
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(`${this.name}.timedWait: timeout must be a finite number of ms >= 0, got ${timeoutMs}`);
    }
    return this.enter('timedWait', m, timeoutMs) as Op<'signaled' | 'timeout'>;
  }

  signal(): Op<void> {
    return this.run.request('signal', this.name, undefined, null, this.doSignal) as Op<void>;
  }

  broadcast(): Op<void> {
    return this.run.request('broadcast', this.name, undefined, null, this.doBroadcast) as Op<void>;
  }

  /** Waiting tasks, for deadlock reports. */
  sleepers(): readonly Task[] {
    return this.waiters.map((w) => w.task);
  }

  private enter(mode: WaitMode, m: Mutex, timeoutMs: number): PromiseLike<unknown> {
    const t = this.run.current;
    if (!(m instanceof SimMutex)) throw new TypeError(`${this.name}.${mode}: m must be a mutex made by sim.mutex()`);
    if (t !== null && m.owner !== t) m.misuse(t, `called ${this.name}.${mode}(${m.name}) without holding ${m.name}`);
    if (t !== null && this.boundMutex !== null && this.boundMutex !== m) {
      m.misuse(t, `waited on ${this.name} with ${m.name}, but its other waiters use ${this.boundMutex.name}`);
    }
    return this.run.request(mode, this.name, { m, timeoutMs, mode }, null, this.doEnter);
  }

  private readonly doEnter = (t: Task, arg: unknown): unknown => {
    const { m, timeoutMs, mode } = arg as { m: SimMutex; timeoutMs: number; mode: WaitMode };
    this.boundMutex = m;
    m.owner = null;
    const run = this.run;
    t.sleepInfo = { kind: 'condvar', obj: this.name, step: run.step, unheard: this.unheard };
    const w: Waiter = { task: t, mode, mutex: m, timer: null };
    this.waiters.push(w);
    run.block(t, `${this.name}.${mode}(${m.name})`);
    if (mode === 'timedWait') {
      w.timer = run.timers.add(run.clock.now() + timeoutMs, `timeout:${t.label}`, () => this.wake(w, 'timeout'), t.group);
    }
    const spurious = this.spuriousRate;
    if (spurious > 0 && run.chance(spurious, 'sync')) {
      run.recordFault('spurious', `${t.label} woken from ${this.name} without a signal`);
      this.wake(w, 'signaled');
    }
    return BLOCK;
  };

  private readonly doSignal = (t: Task): void => {
    if (this.waiters.length === 0) {
      this.remember(t, 'signal');
      this.traceWoken(t, []);
      return;
    }
    const chosen = this.waiters.length === 1 ? this.waiters[0]! : this.pickWaiter();
    this.traceWoken(t, [chosen.task.label]);
    this.wake(chosen, 'signaled');
  };

  private readonly doBroadcast = (t: Task): void => {
    // A broadcast is meant for every sleeper: a task that had read the state but was not yet
    // asleep misses it even when others heard it (a signal heard by one was never its to hear).
    this.remember(t, 'broadcast');
    this.traceWoken(t, this.waiters.map((w) => w.task.label));
    for (const w of [...this.waiters]) this.wake(w, 'signaled');
  };

  private remember(t: Task, op: string): void {
    this.unheard = withUnheard(this.unheard, { step: this.run.step, task: t.label, op, wrote: writtenBy(t) });
  }

  /**
   * Who a signal or broadcast woke, as its own timeline line (`woke cv → [a, b]`, `[]` when it
   * reached nobody): the operation's result is the caller's, so it cannot carry this.
   */
  private traceWoken(t: Task, woken: string[]): void {
    const run = this.run;
    run.trace.add(run.step, run.clock.now(), t.label, 'woke', this.name, woken);
  }

  private pickWaiter(): Waiter {
    const tasks = this.waiters.map((w) => w.task);
    const picked = this.run.choose('wake', tasks);
    return this.waiters.find((w) => w.task === picked)!;
  }

  private wake(w: Waiter, outcome: 'signaled' | 'timeout'): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (w.timer !== null) this.run.timers.cancel(w.timer);
    const t = w.task;
    t.sleepInfo = null;
    t.wokenStep = this.run.step;
    const result = w.mode === 'timedWait' ? outcome : undefined;
    if (w.mode === 'waitUnlock') {
      t.setOp('woken', this.name, result, null, passResult);
    } else {
      const m = w.mutex;
      t.wantedMutex = m;
      t.setOp('reacquire', m.name, result, m.isFree, m.reacquire);
    }
    this.run.makeReady(t);
  }
}
