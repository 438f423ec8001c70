import { renderValue } from './format.js';
import { BLOCK } from './task.js';
import { shortForm } from './short-form.js';

/** One line of the timeline: step, time, task, operation, object, result. */
export interface TraceEvent {
  step: number;
  timeMs: number;
  task: string;
  op: string;
  obj: string;
  result: string;
  /** A message's payload in short form (full traces only; never part of a label, key or hash). */
  note?: string;
}

/** A line the run's code logged (`sim.log`, `ctx.log`, a hosted `console.log`), at its step. */
export interface LogLine {
  step: number;
  timeMs: number;
  task: string;
  message: string;
}

/** Log lines a run keeps for its replay to print; past this, it counts them. */
export const MAX_LOG_LINES = 1000;

interface RawEvent extends Omit<TraceEvent, 'result' | 'obj'> {
  /** A number is a sleep's duration, rendered `<ms>ms` only when the event is read. */
  obj: string | number;
  result: unknown;
}

function renderObj(obj: string | number): string {
  return typeof obj === 'number' ? `${obj}ms` : obj;
}

function render(v: unknown): string {
  return v === BLOCK ? 'blocks' : renderValue(v);
}

/**
 * Keeps the last `window` events cheaply (reused slots) so every report can show the steps
 * around a violation, and all events only when a full trace was asked for.
 */
export class Trace {
  private readonly ring: RawEvent[] = [];
  private next = 0;
  readonly full: TraceEvent[] | null;
  /** What the run logged, in order, so a replay prints the reported run's lines, once. */
  readonly logs: LogLine[] = [];
  logsDropped = 0;

  constructor(readonly window: number, keepAll: boolean) {
    this.full = keepAll ? [] : null;
  }

  /**
   * `payload`: a message sent or delivered, shown in short form in full traces only (a window
   * would have to copy it, as its sender may change it later, on every run's hot path).
   */
  add(step: number, timeMs: number, task: string, op: string, obj: string | number, result: unknown, payload?: unknown): void {
    if (this.full !== null) {
      const e: TraceEvent = { step, timeMs, task, op, obj: renderObj(obj), result: render(result) };
      if (payload !== undefined) {
        const note = shortForm(payload, undefined, true);
        // A message that is all type (`{type:'ping'}`) says everything in its label.
        if (note !== '{}') e.note = note;
      }
      this.full.push(e);
    }
    if (this.window === 0) return;
    let slot = this.ring[this.next];
    if (slot === undefined) {
      slot = { step, timeMs, task, op, obj, result };
      this.ring.push(slot);
    } else {
      slot.step = step; slot.timeMs = timeMs; slot.task = task; slot.op = op; slot.obj = obj; slot.result = result;
    }
    if (++this.next === this.window) this.next = 0;
  }

  /** A line the run's code logged: a `log` line of the timeline, kept apart too (up to MAX_LOG_LINES). */
  log(step: number, timeMs: number, task: string, message: string): void {
    this.add(step, timeMs, task, 'log', '', message);
    if (this.logs.length < MAX_LOG_LINES) this.logs.push({ step, timeMs, task, message });
    else this.logsDropped++;
  }

  /** Rewrites the operation of the line added last (in the window and the whole trace): what a
   * `fire` turned out to be once the event ran (a host loop holding a callback back). */
  amendLast(op: string, obj: string): void {
    const full = this.full;
    if (full !== null) {
      // Phase marks are spliced in before the fire line, which stays last.
      const e = full[full.length - 1];
      if (e !== undefined) {
        e.op = op;
        e.obj = obj;
      }
    }
    if (this.window === 0 || this.ring.length === 0) return;
    const slot = this.ring[(this.next + this.ring.length - 1) % this.ring.length]!;
    slot.op = op;
    slot.obj = obj;
  }

  /** The retained tail, oldest first, as fresh objects. */
  tail(): TraceEvent[] {
    const n = this.ring.length;
    const out: TraceEvent[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.ring[(this.next + i) % n]!;
      out.push({ step: e.step, timeMs: e.timeMs, task: e.task, op: e.op, obj: renderObj(e.obj), result: render(e.result) });
    }
    return out;
  }
}
