import type { Broadcaster, LeadershipEvent, Op, Subscription } from '../core/api.js';
import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';
import type { SimBroadcaster } from '../sync/broadcaster.js';
import type { LeaderNode, LeadershipWatch, WatchedChannel, WatchedSubscription } from '../check/leadership.js';

/** Wraps an operation so `after` sees its result in the step that completes it. */
function observed<T>(op: Op<T>, after: (v: T) => void): Op<T> {
  return {
    then(res, rej) {
      return op.then((v) => {
        after(v);
        return res ? res(v) : (v as never);
      }, rej);
    },
  } as Op<T>;
}

/** A subscription to a node's leadership events, counting what reached it and what it read. */
export class LeadershipSubscription implements Subscription<LeadershipEvent>, WatchedSubscription {
  /** Events queued to this subscription. */
  delivered = 0;
  /** Events the owner took with next(). */
  consumed = 0;
  closed = false;
  /** True from a next() call until it returns: a reader woken with an event but not yet run
   * by the scheduler is being starved, not failing to read. */
  reading = false;

  constructor(
    private readonly inner: Subscription<LeadershipEvent>,
    readonly owner: Task,
    readonly subscribedAtStep: number,
  ) {}

  private readonly took = (): void => {
    this.consumed++;
    this.reading = false;
  };
  private readonly shut = (): void => {
    this.closed = true;
  };

  next(): Op<LeadershipEvent> {
    const op = observed(this.inner.next(), this.took);
    this.reading = true;
    return op;
  }

  close(): Op<void> {
    return observed(this.inner.close(), this.shut);
  }
}


/**
 * `ctx.leadership`: a core SimBroadcaster whose only publisher is `ctx.signalLeadership`, so
 * what the detectors record and what subscribers receive cannot disagree. Subscriptions are
 * wrapped to count deliveries and reads, for the lost-leadership-event detector.
 */
export class LeadershipChannel implements Broadcaster<LeadershipEvent>, WatchedChannel {
  readonly subs: LeadershipSubscription[] = [];
  /** Events signalled on this channel (one incarnation of one node). */
  published = 0;
  lastPublishStep = -1;
  lastPublishMs = 0;
  lastEvent: LeadershipEvent | null = null;

  constructor(
    private readonly inner: SimBroadcaster<LeadershipEvent>,
    private readonly run: Run,
    /** The node incarnation whose signals this channel carries. */
    readonly owner: LeaderNode,
    private readonly watch: LeadershipWatch,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  subscribers(): number {
    return this.inner.subscribers();
  }

  publish(_value: LeadershipEvent): Op<void> {
    throw new TypeError(`${this.name}: leadership events come only from ctx.signalLeadership`);
  }

  subscribe(): Op<Subscription<LeadershipEvent>> {
    const inner = this.inner.subscribe();
    return {
      then: (res, rej) =>
        inner.then((s) => {
          const sub = new LeadershipSubscription(s, this.run.current!, this.run.step);
          this.subs.push(sub);
          this.watch.subscribed(this, sub);
          return res ? res(sub) : (sub as never);
        }, rej),
    } as Op<Subscription<LeadershipEvent>>;
  }

  /** Harness-side publish, part of the signalling task's step. */
  emit(event: LeadershipEvent, by: string): void {
    this.published++;
    this.lastPublishStep = this.run.step;
    this.lastPublishMs = this.run.clock.now();
    this.lastEvent = event;
    this.inner.publishNow(event, by);
    for (const s of this.subs) {
      if (s.closed) continue;
      s.delivered++;
      this.watch.delivered(this, s);
    }
  }
}
