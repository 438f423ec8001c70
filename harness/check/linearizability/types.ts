import type { HistoryInput, HistoryModel } from '../../core/api.js';

/**
 * A client history as Jepsen writes it: one event per invocation and one per completion, in
 * the order they happened. A completion belongs to the last open invocation of its process.
 */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent {
  /** The client (Jepsen's process): a completion pairs with this client's open invocation. */
  process: string | number;
  type: EventType;
  /** The operation's name: read, write, cas, get, put, append, add, enqueue, dequeue, … */
  f: string;
  /** On an invocation, the argument; on an `ok` completion, the result. */
  value: unknown;
  /** Which independent object the operation touches (a key-value store's key). */
  key?: string;
  /** When it happened (virtual ms for recorded histories); only shown, never used for order. */
  time?: number;
}

export type OpInput = HistoryInput;

/** The output of an operation whose outcome is unknown (`info`): a model must accept any output
 * for it and may apply its effect or not, since the checker may also place it last. */
export const UNKNOWN: unique symbol = Symbol('unknown outcome');
export type OpOutput = unknown;

/** One paired operation. `ret` is Infinity for an `info` operation: it may take effect at any
 * time after its call, or never (placed after everything else, it changes nothing observed). */
export interface Operation {
  id: number;
  process: string | number;
  input: OpInput;
  output: OpOutput;
  /** Positions in the event order (not wall or virtual time): the order is what linearizability sees. */
  call: number;
  ret: number;
  /** Event times when the history had them: for the picture. */
  callTime?: number;
  retTime?: number;
  /** The 1-based line or event number of the invocation, for messages. */
  line?: number;
}

export type Model<S = unknown> = HistoryModel<S>;

/** A step budget makes a check deterministic; `expired` lets a command line add a deadline. */
export interface CheckBudget {
  maxSteps?: number;
  expired?: () => boolean;
}

export interface WindowOp {
  id: number;
  process: string | number;
  description: string;
  line?: number;
  callTime?: number;
  retTime?: number;
}

export type CheckResult =
  | { verdict: 'linearizable'; steps: number; partitions: number }
  | { verdict: 'unknown'; steps: number; partitions: number; reason: string }
  | { verdict: 'not-linearizable'; steps: number; partitions: number; violation: LinearizabilityViolation };

export interface LinearizabilityViolation {
  /** The partition (key) whose history cannot be linearized, when the model partitions. */
  partition?: string;
  /** The smallest set of pending operations found, after the longest linearizable prefix, of
   * which none can be taken next. */
  window: WindowOp[];
  /** The model's state after that prefix, described. */
  stateBefore: string;
  /** The longest linearization found, as operation ids in order. */
  prefix: number[];
  /** Clients of the window's operations. */
  clients: string[];
}
