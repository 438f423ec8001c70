import type { Mutex, Op } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { Gate, Task } from '../core/task.js';
import { RunStopped } from '../core/violation.js';

/** A non-recursive mutex. Contenders stay runnable and are enabled only while it is free, so
 * which contender gets it after an unlock is a scheduling decision. */
export class SimMutex implements Mutex {
  private holder_: Task | null = null;

  constructor(
    private readonly run: Run,
    readonly name: string,
    /** Told when a task asks for this mutex while another holds it: the engine's lock-cycle
     * detector listens (engine/detectors.ts); the mutex judges nothing itself. */
    private readonly onContended: ((t: Task, m: SimMutex) => void) | null = null,
  ) {
    this.gate = run.gate(this.free);
  }

  private readonly free = (): boolean => this.holder_ === null;
  /** Its contenders stand aside while it is held; every change of owner is announced to it. */
  private readonly gate: Gate;

  get owner(): Task | null {
    return this.holder_;
  }

  /** Set by its own ops and by a condvar wait, which releases it atomically. */
  set owner(t: Task | null) {
    this.holder_ = t;
    this.run.gateChanged(this.gate);
  }
  private readonly take = (t: Task): void => {
    this.owner = t;
  };
  private readonly tryTake = (t: Task): boolean => {
    if (this.owner !== null) return false;
    this.owner = t;
    return true;
  };
  private readonly release = (t: Task): void => {
    if (this.owner !== t) this.misuse(t, `unlocked ${this.name} held by ${this.owner?.label ?? 'nobody'}`);
    this.owner = null;
  };

  holder(): string | null {
    return this.owner?.label ?? null;
  }

  lock(): Op<void> {
    const t = this.run.current;
    if (t !== null && this.owner === t) this.misuse(t, `locked ${this.name} which it already holds (self-deadlock)`);
    const op = this.run.request('lock', this.name, undefined, this.free, this.take) as Op<void>;
    if (t !== null) {
      t.wantedMutex = this;
      if (this.owner !== null) this.onContended?.(t, this);
    }
    return op;
  }

  tryLock(): Op<boolean> {
    return this.run.request('tryLock', this.name, undefined, null, this.tryTake) as Op<boolean>;
  }

  unlock(): Op<void> {
    const t = this.run.current;
    if (t !== null && this.owner !== t) {
      this.misuse(t, `unlocked ${this.name} held by ${this.owner?.label ?? 'nobody'}`);
    }
    return this.run.request('unlock', this.name, undefined, null, this.release) as Op<void>;
  }

  /** Ready predicate for a task that must (re)acquire this mutex. */
  readonly isFree = this.free;

  /** Exec of a woken condvar waiter's reacquire: takes the mutex, hands back the wait's result
   * (one function per mutex, not a closure per wake). */
  readonly reacquire = (t: Task, result: unknown): unknown => {
    this.owner = t;
    return result;
  };

  misuse(t: Task, what: string): never {
    this.run.violate({ kind: 'mutex-misuse', actors: [t.label], message: `task ${t.label} ${what}` });
    throw new RunStopped('mutex misuse');
  }
}
