import type { Op, Shared } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { SharedCell, Task } from '../core/task.js';

/**
 * A shared cell. Each task's last read and last write of it are remembered on the task: the
 * lost-wakeup check asks whether a sleeper's last read of a cell came before the signaller wrote
 * it. Reads and writes are the hottest path of thread targets, so after a task's first read or
 * write of a cell they update a map entry in place and allocate nothing.
 */
export class SimShared<T> implements Shared<T>, SharedCell {
  constructor(
    private readonly run: Run,
    readonly name: string,
    private value: T,
  ) {}

  private readonly read = (t: Task): T => {
    const reads = (t.reads ??= new Map());
    const r = reads.get(this);
    if (r === undefined) {
      reads.set(this, { step: this.run.step, value: this.value });
    } else {
      r.step = this.run.step;
      r.value = this.value;
    }
    return this.value;
  };
  /** Returns the value written so the trace shows it (`set count → 3`); callers see void. */
  private readonly write = (t: Task, v: unknown): unknown => {
    (t.writes ??= new Map()).set(this, this.run.step);
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
    // An invariant being checked: it read this cell (its report names who last wrote it).
    this.run.peeked?.add(this);
    return this.value;
  }
}
