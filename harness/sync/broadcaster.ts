import type { Broadcaster, Op, Subscription } from '../core/api.js';
import type { Run } from '../core/run.js';
import { BLOCK, writtenBy, withUnheard, type Task, type Unheard } from '../core/task.js';

/**
 * Go's events.Broadcaster as Swarmkit's watch.Queue uses it: each subscriber has its own
 * unbounded queue, publish never blocks, and a late subscriber never sees earlier values
 * (no replay, no snapshot). Every publish is remembered, with the cells its task had written,
 * for the lost-wakeup check of later subscribers (check/lost-wakeup.ts).
 */
export class SimBroadcaster<T> implements Broadcaster<T> {
  private readonly subs: SimSubscription<T>[] = [];
  /** Per publishing task, its latest publish: a subscription made after it never sees it. */
  private unheard: readonly Unheard[] = [];

  constructor(
    readonly run: Run,
    readonly name: string,
  ) {}

  subscribers(): number {
    return this.subs.length;
  }

  publish(value: T): Op<void> {
    return this.run.request('publish', this.name, value, null, this.doPublish) as Op<void>;
  }

  subscribe(): Op<Subscription<T>> {
    return this.run.request('subscribe', this.name, undefined, null, this.doSubscribe) as Op<Subscription<T>>;
  }

  /** Publish from harness code (a node's signalLeadership) as part of the caller's step. */
  publishNow(value: T, by: string): void {
    // Every later subscriber misses this value, whether or not earlier ones got it.
    // Harness code publishes within the signalling task's step, so the current task is the writer.
    this.unheard = withUnheard(this.unheard, { step: this.run.step, task: by, op: 'publish', wrote: writtenBy(this.run.current) });
    // Which subscriptions the value reached, so a timeline can link the publish to each next().
    const run = this.run;
    run.trace.add(run.step, run.clock.now(), by, 'reached', this.name, this.subs.map((s) => s.name));
    for (const s of this.subs) s.deliver(value);
  }

  remove(s: SimSubscription<T>): void {
    const i = this.subs.indexOf(s);
    if (i >= 0) this.subs.splice(i, 1);
  }

  private readonly doPublish = (t: Task, v: unknown): void => this.publishNow(v as T, t.label);

  private readonly doSubscribe = (t: Task): Subscription<T> => {
    const s = new SimSubscription<T>(this, this.unheard, t.label);
    this.subs.push(s);
    return s;
  };
}

export class SimSubscription<T> implements Subscription<T> {
  private readonly queue: T[] = [];
  private waiter: Task | null = null;
  private closed = false;
  readonly name: string;

  constructor(
    private readonly b: SimBroadcaster<T>,
    /** The publishes made before this subscription existed: it never sees them. */
    readonly unheardBefore: readonly Unheard[],
    owner: string,
  ) {
    this.name = `${b.name}[${owner}]`;
  }

  deliver(v: T): void {
    this.queue.push(v);
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    w.sleepInfo = null;
    w.setOp('next', this.name, undefined, null, this.shift);
    this.b.run.makeReady(w);
  }

  private readonly shift = (): T => this.queue.shift() as T;

  private readonly doNext = (t: Task): unknown => {
    if (this.queue.length > 0) return this.queue.shift();
    if (this.closed) throw new Error(`${this.name}.next() on a closed subscription`);
    this.waiter = t;
    t.sleepInfo = { kind: 'subscription', obj: this.b.name, step: this.b.run.step, unheard: this.unheardBefore };
    this.b.run.block(t, `${this.name}.next()`);
    return BLOCK;
  };

  private readonly doClose = (): void => {
    this.closed = true;
    this.b.remove(this);
  };

  next(): Op<T> {
    return this.b.run.request('next', this.name, undefined, null, this.doNext) as Op<T>;
  }

  close(): Op<void> {
    return this.b.run.request('close', this.name, undefined, null, this.doClose) as Op<void>;
  }
}
