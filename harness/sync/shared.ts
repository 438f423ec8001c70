import type { Op, Shared } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';

/** A shared cell. Reads are remembered per task: the lost-wakeup check asks what a sleeper
 * last saw before it slept. */
export class SimShared<T> implements Shared<T> {
  constructor(
    private readonly run: Run,
    readonly name: string,
    private value: T,
  ) {}

  private readonly read = (t: Task): T => {
    t.lastReadStep = this.run.step;
    t.lastReadObj = this.name;
    t.lastReadValue = this.value;
    return this.value;
  };
  /** Returns the value written so the trace shows it (`set count → 3`); callers see void. */
  private readonly write = (_t: Task, v: unknown): unknown => {
    this.value = v as T;
    return v;
  };

  get(): Op<T> {
    return this.run.request('get', this.name, undefined, null, this.read) as Op<T>;
  }

  set(value: T): Op<void> {
    return this.run.request('set', this.name, value, null, this.write) as Op<void>;
  }

  peek(): T {
    return this.value;
  }
}
