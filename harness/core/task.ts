import { labelHash } from './hash.js';
import type { LabelKey } from './decision-log.js';
import type { Choice } from './scheduler.js';
import type { TimedEvent } from './timers.js';

export const BLOCK: unique symbol = Symbol('block');
export type ExecResult = unknown;

/** Decides whether a pending operation can complete now (a lock needs the mutex free). */
export type ReadyFn = (t: Task, arg: unknown) => boolean;
/** Applies a pending operation's effect; returns its result, or BLOCK to park the task. */
export type ExecFn = (t: Task, arg: unknown) => ExecResult;

export type TaskState = 'ready' | 'running' | 'blocked' | 'done' | 'failed' | 'abandoned';

/**
 * What a ready predicate asks about (a mutex, a semaphore). Every contender waiting on it gets the
 * same answer, so they all stand among the runnable tasks or all stand aside, and the answer is
 * asked again only when the primitive announces a change (Run.gateChanged) instead of once per
 * contender per step.
 */
export class Gate {
  /** Runnable tasks whose pending op has this predicate, in arrival order. */
  readonly contenders: Task[] = [];
  /** The predicate's answer when last asked: the contenders stand in the runnable list. */
  open = true;
  /** A change was announced since; the run asks again before the next decision. */
  dirty = false;

  constructor(
    readonly ready: ReadyFn,
    /** False for a predicate no primitive registered: asked again before every decision. */
    readonly announced: boolean,
  ) {}
}

/**
 * A simulated thread. Its pending operation lives in plain fields (not an allocated object)
 * because an operation is requested on every step and this is the engine's hot path.
 */
export class Task implements Choice, LabelKey {
  readonly labelHash: number;
  logId = -1;
  state: TaskState = 'ready';
  /** True while the task's pending operation is set (requested and not yet completed). */
  pending = false;
  opKind = 'start';
  opObj = '';
  opArg: unknown = undefined;
  opReady: ReadyFn | null = null;
  opExec: ExecFn | null = null;
  /** The resolve/reject of the `await` parked on the pending operation. */
  res: ((v: unknown) => void) | null = null;
  rej: ((e: unknown) => void) | null = null;
  /** A thenable handed back by every operation: `await` calling its `then` is how the engine
   * learns the task has parked, after any synchronous code that followed the call. */
  readonly parker: PromiseLike<unknown>;

  /** What the task waits on, for deadlock reports (see waitingOn). */
  blockedOn = '';
  /** The duration of the sleep the task is blocked in, or -1: the text is built only if read. */
  sleepMs = -1;
  /**
   * Per shared cell, the task's last read of it: the lost-wakeup check asks whether a sleeper's
   * view of the cell a signaller changed predates the change. Made at the first read; each record
   * is updated in place, so a read allocates only the first time a task reads a cell.
   */
  reads: Map<SharedCell, CellRead> | null = null;
  /** Per shared cell, the step of the task's last write of it: what a signal it sends announces. */
  writes: Map<SharedCell, number> | null = null;
  /** The step a condvar last woke the task (signal, broadcast, timeout or spurious), or -1. A
   * cv(9) waiter evaluates its predicate again after each wakeup, so reads older than this one
   * did not decide its next sleep. */
  wokenStep = -1;
  /** Filled when the task goes to sleep on a condvar or a subscription. */
  sleepInfo: SleepInfo | null = null;
  /** The mutex the task last asked to (re)acquire, for the lock-cycle check. */
  wantedMutex: { readonly name: string; owner: Task | null } | null = null;
  /** The sleep timer: one event, made at the task's first sleep and scheduled again at each
   * (Run.sleepPark). */
  sleepEv: TimedEvent | null = null;
  /** When it last became runnable (Run.enqueue): the options list tasks in this order. */
  seq = 0;
  /** The gate of its op's ready predicate while it contends (runnable or set aside). */
  gate: Gate | null = null;
  /** The gate it contended for last (Run.enqueue's shortcut past the map). */
  lastGate: Gate | null = null;
  /** Host mode: it awaited a hosted promise and became its node's hosted code (Run.afterHop). */
  detached = false;

  constructor(
    readonly id: number,
    readonly label: string,
    readonly daemon: boolean,
    readonly group: string | null,
    park: (t: Task, res: (v: unknown) => void, rej: (e: unknown) => void) => void,
  ) {
    this.labelHash = labelHash(label);
    const self = this;
    this.parker = {
      then(res: (v: unknown) => void, rej: (e: unknown) => void) {
        park(self, res, rej);
        return undefined as never;
      },
    } as PromiseLike<unknown>;
  }

  /** What a blocked task waits on, for deadlock reports. */
  waitingOn(): string {
    return this.sleepMs >= 0 ? `sleep(${this.sleepMs})` : this.blockedOn;
  }

  setOp(kind: string, obj: string, arg: unknown, ready: ReadyFn | null, exec: ExecFn | null): void {
    this.pending = true;
    this.opKind = kind;
    this.opObj = obj;
    this.opArg = arg;
    this.opReady = ready;
    this.opExec = exec;
  }

  clearOp(): void {
    this.pending = false;
    this.opReady = null;
    this.opExec = null;
    this.opArg = undefined;
  }
}

/** A shared cell as the lost-wakeup check knows it: the key of Task.reads and Task.writes. */
export interface SharedCell {
  readonly name: string;
  /** Its value now (an invariant's report names what it read). */
  peek(): unknown;
}

/** A task's last read of one cell. */
export interface CellRead {
  step: number;
  value: unknown;
}

/**
 * A wakeup that a later sleeper may have missed: a signal that reached no waiter, a broadcast, or
 * a publish. `wrote` is the signalling task's last write of each cell it had written by then (a
 * copy: it writes on afterwards), the state the wakeup announces.
 */
export interface Unheard {
  readonly step: number;
  readonly task: string;
  readonly op: string;
  readonly wrote: readonly { readonly cell: SharedCell; readonly step: number }[];
}

/** The cells `t` has written and its last write of each, as a signal it sends now announces them. */
export function writtenBy(t: Task | null): Unheard['wrote'] {
  const w = t?.writes;
  if (w == null || w.size === 0) return [];
  const out: { cell: SharedCell; step: number }[] = [];
  for (const [cell, step] of w) out.push({ cell, step });
  return out;
}

/**
 * Records `u` in `list`, the latest unheard wakeup per signalling task, as a new array: sleepers
 * keep the list they slept with. A task's later wakeup stands for its earlier ones: its last
 * write of each cell is no older, so any read stale against the earlier is stale against it.
 */
export function withUnheard(list: readonly Unheard[], u: Unheard): readonly Unheard[] {
  const out = list.filter((x) => x.task !== u.task);
  out.push(u);
  return out;
}

/** Why a task sleeps on a condvar or subscription. A sleeper never runs again until woken, so its
 * Task.reads still hold what it last read before sleeping when the end-of-run check looks. */
export interface SleepInfo {
  kind: 'condvar' | 'subscription';
  obj: string;
  step: number;
  /** The latest wakeup per task on this object that the task may have missed (see Unheard). */
  unheard: readonly Unheard[];
}
