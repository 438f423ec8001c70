/**
 * One hosted node's event loop, as Node (v20) runs it on libuv (1.46): the phases of `uv_run`
 * (libuv `src/unix/core.c`), the timer lists of `lib/internal/timers.js` (timer-lists.ts), the
 * immediate queue of `processImmediate`, and message deliveries as poll-phase I/O.
 *
 * In `uv_run` (UV_RUN_DEFAULT) one iteration is: timers (`uv__update_time`, `uv__run_timers`:
 * Node's one handle calls `RunTimers` in `src/env.cc`, which reads now once and calls
 * `processTimers(now)`), pending/idle/prepare (nothing hosted), poll (`uv__io_poll`: block until
 * the handle's timeout or I/O, with timeout 0 while immediates wait: Node's idle handle), check
 * (`CheckImmediate` → `processImmediate`: the immediates queued before it began), closing handles
 * (none: hosted code opens no handle). Ticks and microtasks drain after each callback: here each
 * callback is one decision in its own real macrotask (runtime.ts), so they do.
 *
 * The loop puts at most one event in the run's timer queue: its next callback, at the virtual
 * time it runs. Nodes interleave by the strategy's decisions; within a node, the order is
 * Node's. What Node leaves open is drawn (recorded, so replay and shrink work): how late a wake
 * is after the handle's timeout (loop lag), how long each callback runs (which moves the clock
 * later timers are armed against), and whether the main module ran past a ms boundary before
 * the first timers phase (the documented `setTimeout(0)` vs `setImmediate` race). Deliveries
 * arrive in the order the network decided; one that finds the loop blocked in poll runs at once,
 * and those landing at that same instant join its batch (epoll returns every fd ready together):
 * they run before the check phase.
 *
 * What the next callback is depends on hosted code that may still run (microtasks of the last
 * callback clear timers or queue immediates), so the phases are walked twice: `walk(false)`
 * plans without changing anything (after every change), `walk(true)` commits the plan when its
 * callback runs.
 */
import type { Run } from '../core/run.js';
import type { TimedEvent } from '../core/timers.js';
import type { NetNode } from '../net/node.js';
import { costMs, lagMs, ns, type LoopWeather } from '../faults/loop-weather.js';
import { TimerLists, type ListedTimer } from './timer-lists.js';
import type { Running } from './unsettled.js';

/** A callback the loop runs: a timer, an immediate or a delivery. */
export interface LoopItem extends ListedTimer {
  /** Its event in the run's timer queue (scheduled while it is the loop's next callback). */
  readonly ev: TimedEvent;
  run(): void;
}

/** Where the loop stands; ENTER_* stages have not read anything yet. */
const enum Stage { EnterTimers, Timers, EnterPoll, Poll, EnterCheck, Check }

interface Plan {
  item: LoopItem | null;
  at: number;
  /** The virtual time the loop blocks in poll before `item` (nothing to run until then), or -1. */
  blockedAt: number;
}

/** Node's bound on a delay (`TIMEOUT_MAX`, lib/internal/timers.js). */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/** `new Timeout(...)`'s coercion (`after *= 1`; not in [1, TIMEOUT_MAX] → 1), then insert's `MathTrunc`. */
export function timerMsecs(after: number): number {
  const a = after * 1;
  return Math.trunc(a >= 1 && a <= TIMEOUT_MAX ? a : 1);
}

export class NodeLoop {
  readonly lists = new TimerLists<LoopItem>();
  private readonly immediates: LoopItem[] = [];
  private readonly io: LoopItem[] = [];
  private stage = Stage.EnterTimers;
  private phaseNow = 0;
  private batchLeft = 0;
  private checkLeft = 0;
  /** When the current poll batch was read (epoll returned): deliveries landing at that very
   * instant are in the same batch, as fds ready together are. */
  private batchAt = -1;
  /** Virtual time the loop is busy until (the last callback's CPU time). */
  private busyUntil: number;
  /** A drawn lag not yet spent on a timer wake (an I/O wake leaves it for the next). */
  private lag: number | null = null;
  /** When the wake the lag was drawn for comes: a callback from then on spends it. */
  private lagUntil = Infinity;
  private head: TimedEvent | null = null;
  dead = false;

  constructor(
    private readonly run: Run,
    private readonly net: NetNode | null,
    /** The node whose events these are (paused and crashed with it); null outside any node. */
    readonly group: string | null,
    private readonly weather: LoopWeather,
    /** Written as each callback starts: what a promise made now was made by. */
    private readonly running: Running,
  ) {
    const now = run.clock.now();
    // The main module runs before uv_run's first timers phase; whether it ran past the next ms
    // boundary decides Node's setTimeout(0)-vs-setImmediate race (Node's docs, "setImmediate()
    // vs setTimeout()": "the order ... is non-deterministic, bound by the performance of the process").
    const u = run.finished || net === null ? 0 : run.drawU32('loop');
    // A lenient replay's default (all ones) is the calm end: not late.
    const late = u >= 0x80000000 && u !== 0xffffffff;
    this.busyUntil = late ? ns(now + 1) : now;
  }

  /** Loop time in whole ms (`uv_now`) at virtual time `g`, on the node's clock. */
  private loopMs(g: number): number {
    return Math.floor(this.net === null ? g : this.net.localNow(g));
  }

  /** The first virtual time the loop time reads `ms`. */
  private globalAt(ms: number): number {
    let g = this.net === null ? ms : this.net.toGlobalMs(ms);
    while (this.loopMs(g) < ms) g = ns(g + 0.001);
    return g;
  }

  /** Reads the loop time as `getLibuvNow()` does (it updates libuv's). */
  readNow(): number {
    const n = this.loopMs(this.run.clock.now());
    this.lists.uvNow = n;
    return n;
  }

  // ---- what hosted code does -------------------------------------------------------------

  /** setTimeout/setInterval/refresh: `insert(item, msecs, getLibuvNow())`. */
  arm(t: LoopItem, after: number): void {
    this.lists.remove(t);
    this.lists.insert(t, timerMsecs(after), this.readNow());
    this.replan();
  }

  /** An interval's re-insert after its callback, from the start read before it. */
  rearm(t: LoopItem, start: number): void {
    this.lists.remove(t);
    this.lists.insert(t, t.msecs, start);
    this.replan();
  }

  immediate(t: LoopItem): void {
    this.immediates.push(t);
    this.replan();
  }

  /** clearTimeout/clearInterval/clearImmediate. */
  disarm(t: LoopItem): void {
    if (!this.lists.remove(t)) {
      const i = this.immediates.indexOf(t);
      if (i < 0) return;
      this.immediates.splice(i, 1);
      if (this.stage === Stage.Check && i < this.checkLeft) this.checkLeft--;
    }
    this.replan();
  }

  /** A delivery: it runs now if the loop is blocked in poll (epoll wakes), else in the next
   * poll phase after what the loop is doing. */
  arrive(item: LoopItem): void {
    if (this.dead) return;
    const now = this.run.clock.now();
    if (this.stage === Stage.Poll && now === this.batchAt) {
      this.io.splice(this.batchLeft, 0, item);
      this.batchLeft++;
      this.replan();
      return;
    }
    if (this.walk(false, now).blockedAt === now) {
      this.walk(true, now, true);
      this.mark(now, 'poll', 'woken by I/O');
      this.stage = Stage.Poll;
      this.batchAt = now;
      this.batchLeft = 0;
      this.runItem(item);
      return;
    }
    this.io.push(item);
    this.replan();
  }

  /** Pending work: timers, immediates or deliveries. */
  get pending(): number {
    return this.lists.size + this.immediates.length + this.io.length;
  }

  // ---- the loop's own steps --------------------------------------------------------------

  /** The loop's event fired: commit the phases up to it and run it. */
  fire(item: LoopItem): void {
    if (this.head === item.ev) this.head = null;
    if (this.dead || this.run.finished) return;
    const now = this.run.clock.now();
    const p = this.walk(true, now);
    // Held back (a pause, or a plan made before the last timers phase ended): the loop runs
    // another callback first. The trace says so rather than show a `fire` that runs nothing.
    if (p.item !== item) {
      if (p.item !== null) this.run.trace.amendLast('wait', `the loop runs ${p.item.ev.label} first`);
      return this.place(p);
    }
    switch (this.stage) {
      case Stage.Timers: this.lists.take(this.phaseNow, item); break;
      case Stage.Check: this.immediates.shift(); this.checkLeft--; break;
      default: this.io.shift(); this.batchLeft--;
    }
    this.runItem(item);
  }

  private runItem(item: LoopItem): void {
    const now = this.run.clock.now();
    // The wake the lag was drawn for has come (the plan put this callback at wake + lag): the
    // next wake draws its own. A committing walk that finds the clock already there never blocks,
    // so it cannot tell; kept, the lag was reused by every later wake, each at the same fraction
    // of a ms. An I/O wake before it leaves it for the timer wake it was drawn for.
    if (this.lag !== null && now >= this.lagUntil) this.lag = null;
    this.busyUntil = ns(now + costMs(this.weather, this.run.drawU32('loop')));
    this.running.step = this.run.step;
    this.running.label = item.ev.site === '' ? item.ev.label : item.ev.label + item.ev.site;
    try {
      item.run();
    } finally {
      this.replan();
    }
  }

  /** Puts the loop's next callback in the run's queue (after every change). */
  replan(): void {
    if (this.dead || this.run.finished) return;
    this.place(this.walk(false, this.run.clock.now()));
  }

  private place(p: Plan): void {
    const timers = this.run.timers;
    const ev = p.item === null ? null : p.item.ev;
    if (this.head !== null && (this.head !== ev || this.head.atMs !== p.at)) {
      timers.cancel(this.head);
      this.head = null;
    }
    if (ev !== null && this.head === null) {
      timers.schedule(ev, p.at);
      this.head = ev;
    }
  }

  /** Stops the loop (its incarnation crashed, or the run ended). */
  stop(): void {
    this.dead = true;
    if (this.head !== null && !this.run.finished) this.run.timers.cancel(this.head);
    this.head = null;
  }

  /** A phase's start, in a whole trace only (replay --trace): phases are what the trace's
   * reader, and the test of the phase rules, check callbacks against. */
  private mark(at: number, phase: string, what: string): void {
    const trace = this.run.trace;
    // Walks commit only as a callback runs, after its `fire` line: the phase goes before it.
    const full = trace.full;
    if (full !== null) full.splice(Math.max(0, full.length - 1), 0, { step: this.run.step, timeMs: at, task: this.group ?? 'host', op: `loop:${phase}`, obj: what, result: '' });
  }

  private drawLag(): number {
    if (this.lag === null) this.lag = lagMs(this.weather, this.run.drawU32('loop'));
    return this.lag;
  }

  /**
   * From where the loop stands, the phases up to its next callback: what it is and when it
   * runs. With `commit`, the loop moves there (and stops where it would block, with `toBlock`).
   */
  private walk(commit: boolean, atLeast: number, toBlock = false): Plan {
    const lists = this.lists;
    let stage = this.stage;
    let phaseNow = this.phaseNow;
    let batchLeft = this.batchLeft;
    let checkLeft = this.checkLeft;
    let uvDue = lists.uvDue;
    let uvNow = lists.uvNow;
    let t = Math.max(this.busyUntil, atLeast);
    let blockedAt = -1;
    const done = (item: LoopItem | null): Plan => {
      if (commit) {
        this.stage = stage;
        this.phaseNow = phaseNow;
        this.batchLeft = batchLeft;
        this.checkLeft = checkLeft;
        this.busyUntil = t;
      }
      return { item, at: t, blockedAt };
    };
    // Each pass through the stages either returns or blocks; a few passes always reach one.
    for (let guard = 0; guard < 32; guard++) {
      switch (stage) {
        case Stage.EnterTimers: {
          const now = this.loopMs(t);
          if (now >= uvDue) {
            stage = Stage.Timers;
            phaseNow = now;
            uvNow = now;
            if (commit) {
              lists.startPhase(now);
              this.mark(t, 'timers', `now=${now}`);
            }
            uvDue = Infinity;
          } else stage = Stage.EnterPoll;
          break;
        }
        case Stage.Timers: {
          const next = lists.peek(phaseNow);
          if (next !== null) return done(next);
          uvDue = lists.dueAfterPhase(phaseNow, uvNow, uvDue);
          if (commit) lists.endPhase(phaseNow);
          stage = Stage.EnterPoll;
          break;
        }
        case Stage.EnterPoll: {
          if (this.io.length > 0) {
            stage = Stage.Poll;
            batchLeft = this.io.length;
            if (commit) {
              this.batchAt = t;
              this.mark(t, 'poll', `${batchLeft} pending`);
            }
            break;
          }
          if (this.immediates.length === 0) {
            // uv__backend_timeout: block until the handle's timeout (forever without one).
            const wake = uvDue === Infinity ? Infinity : this.globalAt(uvDue);
            if (wake > t) {
              if (blockedAt < 0) blockedAt = t;
              if (commit && toBlock) return done(null);
              if (wake === Infinity) return done(null);
              t = ns(wake + this.drawLag());
              this.lagUntil = t;
              if (commit) this.lag = null;
            }
          }
          stage = Stage.EnterCheck;
          break;
        }
        case Stage.Poll:
          if (batchLeft > 0) return done(this.io[0]!);
          stage = Stage.EnterCheck;
          break;
        case Stage.EnterCheck:
          checkLeft = this.immediates.length;
          stage = Stage.Check;
          if (commit && checkLeft > 0) this.mark(t, 'check', `${checkLeft} queued`);
          break;
        case Stage.Check:
          if (checkLeft > 0) return done(this.immediates[0]!);
          stage = Stage.EnterTimers;
          break;
      }
    }
    throw new Error('NodeLoop.walk: no callback and no wait after 32 stages');
  }
}
