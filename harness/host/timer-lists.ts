/**
 * Node's timer lists, as `lib/internal/timers.js` keeps them (v20): one list per duration in
 * whole ms (`insert`: `msecs = MathTrunc(msecs)`, `timerListMap[msecs]`), each in insertion
 * order, the lists in a priority queue by (expiry, id) (`compareTimersLists`), and one libuv
 * timer handle for the earliest (`scheduleTimer` in `src/timers.cc`). `processTimers(now)` runs
 * list by list: the whole of one list's expired timers before the next list, which is not
 * always due-time order. The loop (loop.ts) asks what runs next and commits it only when it
 * runs, so `peek` changes nothing and `take`/`endPhase` do what processTimers did up to there.
 */

/** A timer as a list holds it: `_idleStart` (loop ms, whole) and the list's duration. */
export interface ListedTimer {
  start: number;
  msecs: number;
}

class TimerList<T extends ListedTimer> {
  readonly timers: T[] = [];
  constructor(readonly msecs: number, public expiry: number, public id: number) {}
}

function before<T extends ListedTimer>(a: TimerList<T>, b: TimerList<T>): number {
  return a.expiry !== b.expiry ? a.expiry - b.expiry : a.id - b.id;
}

export class TimerLists<T extends ListedTimer> {
  private readonly lists = new Map<number, TimerList<T>>();
  /** `timerListId` */
  private nextListId = 0;
  /** `nextExpiry`: the earliest expiry the handle was last scheduled for. */
  private nextExpiry = Infinity;
  /** The libuv handle's timeout in loop ms (`uv_timer_start`), Infinity while stopped. */
  uvDue = Infinity;
  /** libuv's loop time as last read (`uv_update_time` through `GetNowUint64`, src/env.cc). */
  uvNow = 0;

  get size(): number {
    let n = 0;
    for (const l of this.lists.values()) n += l.timers.length;
    return n;
  }

  /** `insert(item, msecs, start)`: appended to its duration's list; a new list earlier than
   * the handle's timeout reschedules the handle (`scheduleTimer(msecs)` from loop time `start`). */
  insert(t: T, msecs: number, start: number): void {
    this.uvNow = start;
    t.start = start;
    t.msecs = msecs;
    let list = this.lists.get(msecs);
    if (list === undefined) {
      const expiry = start + msecs;
      list = new TimerList<T>(msecs, expiry, this.nextListId++);
      this.lists.set(msecs, list);
      if (this.nextExpiry > expiry) {
        this.uvDue = start + msecs;
        this.nextExpiry = expiry;
      }
    }
    list.timers.push(t);
  }

  /** `unenroll`: off its list; an emptied list leaves the queue (the handle keeps its timeout). */
  remove(t: T): boolean {
    const list = this.lists.get(t.msecs);
    if (list === undefined) return false;
    const i = list.timers.indexOf(t);
    if (i < 0) return false;
    list.timers.splice(i, 1);
    if (list.timers.length === 0) this.lists.delete(t.msecs);
    return true;
  }

  /** The lists processTimers(now) reaches, in its order. */
  private due(now: number): TimerList<T>[] {
    const out: TimerList<T>[] = [];
    for (const l of this.lists.values()) if (l.expiry <= now) out.push(l);
    return out.length > 1 ? out.sort(before) : out;
  }

  /** The timer processTimers(now) runs next (listOnTimeout: `diff = now - timer._idleStart`,
   * run if `diff >= msecs`), or null when the phase is over. Changes nothing. */
  peek(now: number): T | null {
    // The first of the due lists, in queue order, whose first timer has expired: the least of them.
    let best: TimerList<T> | null = null;
    for (const l of this.lists.values()) {
      if (l.expiry > now) continue;
      const first = l.timers[0];
      if (first === undefined || now - first.start < l.msecs) continue;
      if (best === null || before(l, best) < 0) best = l;
    }
    return best === null ? null : best.timers[0]!;
  }

  /** Commits processTimers(now) up to running `t` (which peek gave): the lists it passed over
   * wait (`list.expiry = MathMax(timer._idleStart + msecs, now + 1)`, a new id) or, empty, go. */
  take(now: number, t: T): void {
    for (const l of this.due(now)) {
      const first = l.timers[0];
      if (first === t) {
        l.timers.shift();
        return;
      }
      this.pass(l, now);
    }
    throw new Error('TimerLists.take: not the timer processTimers runs next');
  }

  private pass(l: TimerList<T>, now: number): void {
    const first = l.timers[0];
    if (first === undefined) {
      this.lists.delete(l.msecs);
      return;
    }
    l.expiry = Math.max(first.start + l.msecs, now + 1);
    l.id = this.nextListId++;
  }

  /** The phase starts: libuv stopped the handle to run it (`uv__run_timers`, src/timer.c), and
   * processTimers sets `nextExpiry = Infinity`; RunTimers read the loop time (`GetNow`). */
  startPhase(now: number): void {
    this.uvDue = Infinity;
    this.nextExpiry = Infinity;
    this.uvNow = now;
  }

  /** What the handle's timeout will be once processTimers(now) returns: RunTimers (src/env.cc)
   * reschedules it `llabs(expiry_ms) - uv_now` ahead, at least 1 ms; with no list left it stays
   * as the phase's inserts left it. Changes nothing. */
  dueAfterPhase(now: number, uvNow = this.uvNow, fallback = this.uvDue): number {
    let next = Infinity;
    for (const l of this.lists.values()) {
      const first = l.timers[0];
      if (first === undefined) continue;
      const e = l.expiry <= now ? Math.max(first.start + l.msecs, now + 1) : l.expiry;
      if (e < next) next = e;
    }
    if (next === Infinity) return fallback;
    return uvNow + Math.max(1, next - uvNow);
  }

  /** Commits the end of processTimers(now) and RunTimers' rescheduling. */
  endPhase(now: number): void {
    const due = this.dueAfterPhase(now);
    for (const l of this.due(now)) this.pass(l, now);
    let next = Infinity;
    for (const l of this.lists.values()) if (l.expiry < next) next = l.expiry;
    if (next !== Infinity) this.nextExpiry = next;
    this.uvDue = due;
  }
}
