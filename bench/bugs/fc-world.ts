import type * as fc from 'fast-check';

type Waker = () => void;

/**
 * The primitives the bundled condvar targets use, rebuilt on fast-check's scheduler so the same
 * task code can run under `fc.scheduler()`. Every operation that is a scheduling point in
 * interleave (lock, unlock, wait, signal, broadcast, shared get/set, sleep) is one
 * `s.schedule()`d promise here: fast-check then picks uniformly among the scheduled ones, like
 * interleave's `random`. Waiting is Mesa-style, as cv(9): a woken waiter reacquires the mutex.
 * A signal that finds no waiter is simply gone, which is what makes a lost wakeup possible.
 */
export class FcWorld {
  private static readonly done = Promise.resolve();

  constructor(private readonly s: fc.Scheduler) {}

  point(): Promise<void> {
    return this.s.schedule(FcWorld.done);
  }

  mutex(): FcMutex {
    return new FcMutex(this);
  }

  condvar(): FcCondvar {
    return new FcCondvar(this);
  }

  shared<T>(initial: T): FcShared<T> {
    return new FcShared(this, initial);
  }
}

export class FcMutex {
  private held = false;
  private readonly q: Waker[] = [];

  constructor(private readonly w: FcWorld) {}

  async lock(): Promise<void> {
    await this.w.point();
    await this.acquire();
  }

  async unlock(): Promise<void> {
    await this.w.point();
    this.release();
  }

  /** Parks (no scheduling point) until the mutex is free; a barging task may take it first. */
  async acquire(): Promise<void> {
    while (this.held) await new Promise<void>((res) => this.q.push(res));
    this.held = true;
  }

  release(): void {
    if (!this.held) throw new Error('unlock of a free mutex');
    this.held = false;
    this.q.shift()?.();
  }
}

export class FcCondvar {
  private readonly q: Waker[] = [];

  constructor(private readonly w: FcWorld) {}

  async wait(m: FcMutex): Promise<void> {
    await this.w.point();
    m.release();
    await new Promise<void>((res) => this.q.push(res));
    await this.w.point();
    await m.acquire();
  }

  async signal(): Promise<void> {
    await this.w.point();
    this.q.shift()?.();
  }

  async broadcast(): Promise<void> {
    await this.w.point();
    for (const wake of this.q.splice(0)) wake();
  }
}

export class FcShared<T> {
  constructor(private readonly w: FcWorld, private value: T) {}

  async get(): Promise<T> {
    await this.w.point();
    return this.value;
  }

  async set(v: T): Promise<void> {
    await this.w.point();
    this.value = v;
  }

  peek(): T {
    return this.value;
  }
}
