import { labelHash } from './hash.js';
import type { LabelKey } from './decision-log.js';
import type { Choice } from './scheduler.js';

/**
 * A timed event: a sleeping task's wake-up, a timeout, a message delivery, a nemesis action.
 * One object serves every scheduling of one thing (a message held back and sent again, each
 * sleep of a task): `TimerQueue.schedule` gives it its new time and place.
 */
export abstract class TimedEvent implements Choice {
  readonly labelHash: number;
  cancelled = false;
  /** When it is due; set by TimerQueue.schedule. */
  atMs = 0;
  /** Its place among events due at one instant (arrival order); -1 until first scheduled. */
  seq = -1;
  /** Shown after the label in the trace (a hosted timer's call site, `@pool.js:123`); never
   * part of the label, its key or its hash, so a schedule replays whoever armed it. */
  site = '';

  constructor(
    readonly label: string,
    /** Group (node) whose pause holds this event back; null for global events. */
    readonly group: string | null,
    hash: number,
    /** What the decision log records instead of the label: `key.label`, or `key.label + num`
     * when num >= 0 (a message's link-and-kind prefix and its number); null logs the label. */
    readonly key: LabelKey | null,
    readonly num: number,
  ) {
    this.labelHash = hash;
  }

  /** What the event does when the scheduler picks it. */
  abstract fire(): void;

  /** What it carries, for the trace (a message's payload); read only for a full trace. */
  payload(): unknown {
    return undefined;
  }
}

/** A timed event that calls a function: a timeout, a nemesis action, a task's wake-up. */
export class CallbackEvent extends TimedEvent {
  constructor(
    label: string,
    private readonly fn: () => void,
    group: string | null,
    hash: number,
    key: LabelKey | null,
    num: number,
  ) {
    super(label, group, hash, key, num);
  }

  fire(): void {
    this.fn();
  }
}

/**
 * Pending timed events ordered by (time, arrival). Events due at the same instant are offered
 * to the scheduler together, so their order is a decision, not an accident of arrival.
 */
export class TimerQueue {
  private readonly events: TimedEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.events.length;
  }

  /** A new event calling `fire` at `atMs`; `hash` is labelHash(label), passed by callers that keep it. */
  add(atMs: number, label: string, fire: () => void, group: string | null = null, hash = labelHash(label), key: LabelKey | null = null, num = -1): TimedEvent {
    const ev = new CallbackEvent(label, fire, group, hash, key, num);
    this.schedule(ev, atMs);
    return ev;
  }

  /** Puts `ev` (not in the queue: new, fired or cancelled) at `atMs`, after the events already
   * due then. */
  schedule(ev: TimedEvent, atMs: number): void {
    if (!Number.isFinite(atMs)) throw new RangeError(`timer time must be finite, got ${atMs}`);
    ev.atMs = atMs;
    ev.seq = this.seq++;
    ev.cancelled = false;
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    // Insert without splice, which allocates its (empty) result array on every call.
    const events = this.events;
    events.push(ev);
    for (let k = events.length - 1; k > lo; k--) events[k] = events[k - 1]!;
    events[lo] = ev;
  }

  cancel(ev: TimedEvent): void {
    if (ev.cancelled) return;
    ev.cancelled = true;
    this.removeAt(this.indexOf(ev));
  }

  /** Binary search by (time, arrival), the queue's order. */
  private indexOf(ev: TimedEvent): number {
    const events = this.events;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = events[mid]!;
      if (m.atMs < ev.atMs || (m.atMs === ev.atMs && m.seq < ev.seq)) lo = mid + 1;
      else hi = mid;
    }
    return events[lo] === ev ? lo : -1;
  }

  private removeAt(i: number): void {
    const events = this.events;
    if (i < 0) return;
    if (i === 0) {
      events.shift();
      return;
    }
    const last = events.length - 1;
    for (let k = i; k < last; k++) events[k] = events[k + 1]!;
    events.pop();
  }

  /** Earliest due time of any event (nothing is held back), or Infinity. */
  earliestAny(): number {
    return this.events.length > 0 ? this.events[0]!.atMs : Infinity;
  }

  /** Earliest due time among events whose group is not held back, or Infinity. */
  earliest(held: (group: string) => boolean): number {
    for (const ev of this.events) if (ev.group === null || !held(ev.group)) return ev.atMs;
    return Infinity;
  }

  /** Appends every event due by `atMs` (and not held back) to `out`: the earliest instant's
   * events, plus any a paused group left overdue. */
  collectDue(atMs: number, held: ((group: string) => boolean) | null, out: Choice[]): void {
    const events = this.events;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.atMs > atMs) break;
      if (held === null || ev.group === null || !held(ev.group)) out.push(ev);
    }
  }

  /** Earliest due time after `after` of a group's events that `accept` takes, or Infinity. */
  nextOf(group: string, after: number, accept: (ev: TimedEvent) => boolean): number {
    for (const ev of this.events) if (ev.atMs > after && ev.group === group && accept(ev)) return ev.atMs;
    return Infinity;
  }

  /** Cancels every event of a group (a crashed node's timers vanish). */
  cancelGroup(group: string): void {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const ev = this.events[i]!;
      if (ev.group === group) {
        ev.cancelled = true;
        this.events.splice(i, 1);
      }
    }
  }

  remove(ev: TimedEvent): void {
    this.removeAt(this.indexOf(ev));
  }
}
