import type { BenchSync, TaskBody } from './workload.js';

export type Waker = () => void;

/**
 * The workloads' mutex and condvars for the engines that have none of their own (fast-check's
 * scheduler and the floor): each operation first passes one scheduling point, and a task that
 * must wait parks on a queue until it is woken. Subclasses say what a point, a park and a wake
 * are. Mesa semantics like interleave's cv(9): a woken waiter reacquires through a point.
 */
export abstract class CoopSync implements BenchSync {
  private held = false;
  private readonly lockQ: Waker[] = [];
  private readonly cvQ: [Waker[], Waker[]] = [[], []];

  abstract point(): Promise<void>;
  abstract park(q: Waker[]): Promise<void>;
  abstract wake(w: Waker): void;

  yield(): Promise<void> {
    return this.point();
  }

  async lock(): Promise<void> {
    await this.point();
    await this.acquire();
  }

  async unlock(): Promise<void> {
    await this.point();
    this.release();
  }

  async wait(cv: 0 | 1): Promise<void> {
    await this.point();
    this.release();
    await this.park(this.cvQ[cv]);
    await this.point();
    await this.acquire();
  }

  async signal(cv: 0 | 1): Promise<void> {
    await this.point();
    const w = this.cvQ[cv].shift();
    if (w !== undefined) this.wake(w);
  }

  private async acquire(): Promise<void> {
    while (this.held) await this.park(this.lockQ);
    this.held = true;
  }

  private release(): void {
    if (!this.held) throw new Error('unlock of a free mutex');
    this.held = false;
    // Wake one: a woken waiter that finds the mutex taken again parks again, and the next
    // unlock wakes the next one. Waking all would cost the floor a decision per waiter.
    const w = this.lockQ.shift();
    if (w !== undefined) this.wake(w);
  }
}

/**
 * The floor: the cheapest cooperative scheduler. The next task is chosen synchronously, with a
 * xorshift32, at the moment the current one parks; a point costs one promise plus the await's
 * own (2 per decision). Nothing is recorded or hashed.
 */
export class Floor extends CoopSync {
  decisions = 0;
  private readonly ready: Waker[] = [];
  private s: number;
  private live = 0;
  private onDone: () => void = () => {};
  private onStuck: (e: Error) => void = () => {};

  constructor(seed: number) {
    super();
    this.s = Math.imul(seed + 1, 0x9e3779b1) | 1;
  }

  point(): Promise<void> {
    return new Promise<void>((res) => {
      this.ready.push(res);
      this.pick();
    });
  }

  park(q: Waker[]): Promise<void> {
    return new Promise<void>((res) => {
      q.push(res);
      this.pick();
    });
  }

  wake(w: Waker): void {
    this.ready.push(w);
  }

  /** Runs the bodies to completion; resolves with the number of decisions taken. */
  run(bodies: TaskBody[]): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.live = bodies.length;
      this.onDone = () => resolve(this.decisions);
      this.onStuck = reject;
      const finished = (): void => {
        this.live--;
        this.pick();
      };
      for (const b of bodies) this.ready.push(() => void Promise.resolve().then(b).then(finished, reject));
      this.pick();
    });
  }

  private pick(): void {
    const r = this.ready;
    const n = r.length;
    if (n === 0) {
      if (this.live === 0) this.onDone();
      else this.onStuck(new Error(`floor: ${this.live} tasks blocked and none ready`));
      return;
    }
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    const i = (x >>> 0) % n;
    const w = r[i]!;
    r[i] = r[n - 1]!;
    r.pop();
    this.decisions++;
    w();
  }
}
