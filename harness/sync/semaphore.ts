import type { Op, Semaphore } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { Gate } from '../core/task.js';

/** A counting semaphore; acquirers stay runnable and are enabled only while the count is positive. */
export class SimSemaphore implements Semaphore {
  private count: number;

  constructor(
    private readonly run: Run,
    readonly name: string,
    initial: number,
  ) {
    if (!Number.isInteger(initial) || initial < 0) {
      throw new RangeError(`semaphore ${name}: initial count must be an integer >= 0, got ${initial}`);
    }
    this.count = initial;
    this.gate = run.gate(this.positive);
  }

  private readonly positive = (): boolean => this.count > 0;
  /** Acquirers stand aside while the count is zero; every change of count is announced to it. */
  private readonly gate: Gate;
  private readonly take = (): void => {
    this.count--;
    this.run.gateChanged(this.gate);
  };
  private readonly tryTake = (): boolean => {
    if (this.count === 0) return false;
    this.count--;
    this.run.gateChanged(this.gate);
    return true;
  };
  private readonly give = (): void => {
    this.count++;
    this.run.gateChanged(this.gate);
  };

  peek(): number {
    return this.count;
  }

  acquire(): Op<void> {
    return this.run.request('acquire', this.name, undefined, this.positive, this.take) as Op<void>;
  }

  tryAcquire(): Op<boolean> {
    return this.run.request('tryAcquire', this.name, undefined, null, this.tryTake) as Op<boolean>;
  }

  release(): Op<void> {
    return this.run.request('release', this.name, undefined, null, this.give) as Op<void>;
  }
}
