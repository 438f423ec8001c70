import type { DrawStream, Entropy } from './entropy.js';

export type { DrawStream };

/**
 * The one seam between the engine and exploration strategies (awslabs/shuttle keeps the same
 * three-question shape). The engine never picks a step itself; a Scheduler does. A new
 * Scheduler is made for every run, so strategies may keep per-run state.
 */

/** Something the scheduler can pick: a runnable task, a due timer, a message delivery, a waiter. */
export interface Choice {
  /** Unique among the choices of a run at any one decision, stable across code changes
   * that do not touch it (task name, `timer:worker`, `n1→n2:append#3`). */
  readonly label: string;
  /** labelHash(label), computed once. */
  readonly labelHash: number;
}

export interface StepContext {
  /** Index in `steps` of the task that just parked (it may continue), or -1. */
  readonly current: number;
  /** Number of steps taken so far in this run. */
  readonly step: number;
  /** How many of `steps` (a prefix) are tasks; the rest are timed events (time moves if picked). */
  readonly taskCount: number;
}

export interface Scheduler {
  readonly name: string;
  /** Everything needed, with the seed, to rebuild this scheduler for replay. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Which of `steps` runs next. `steps` is never empty. */
  nextStep(steps: readonly Choice[], ctx: StepContext): number;
  /** A non-step choice, such as which waiter a `signal` wakes. `options.length >= 2`. */
  choose(kind: string, options: readonly Choice[]): number;
  /** A recorded 32-bit draw: `sim.random()` and the environment's decisions, each from its
   * stream (core/entropy.ts). A strategy answers from the run's Entropy; a replay from its list. */
  nextU32(stream: DrawStream): number;
  /**
   * Strategies that order messages (`pctcp`) pick each message's one-way delay themselves,
   * in ms within [send.minMs, send.maxMs], so they can hold a reply back past a timer. Asked
   * only inside the fault window and only of runs whose strategy owns delays
   * (`ownsDelays`); the run records the answer as a draw, so replay needs no such hook.
   */
  messageDelay?(send: MessageSend): number;
}

/** What a message-ordering strategy knows about one send when it picks the delay. */
export interface MessageSend {
  /** `from→to:kind#n`, the label its delivery will carry. */
  readonly label: string;
  readonly from: string;
  readonly to: string;
  /** The delivery the sender received last (its causal parent), or null. */
  readonly cause: string | null;
  readonly nowMs: number;
  /** The seed's usual one-way delay range (its latency profile's uniform part). */
  readonly minMs: number;
  readonly typicalMaxMs: number;
  /** The longest delay the seed's weather can give a message (tails and the delay fault included). */
  readonly maxMs: number;
  /** Virtual time of the receiver's earliest pending timer (not a delivery) due after `after`, or Infinity. */
  nextTimerAt(after: number): number;
}

/** Makes a fresh Scheduler for one run of one canonical seed, drawing from the run's one
 * entropy source (a strategy takes the streams it needs from it; a replay needs none). */
export type SchedulerFactory = (seed: string, entropy: Entropy) => Scheduler;

/** Thrown by a strict replay when the run no longer fits the recorded decisions. */
export class ReplayDivergence extends Error {
  constructor(
    readonly decision: number,
    readonly expected: string,
    readonly available: readonly string[],
  ) {
    super(
      `replay diverged at decision ${decision}: expected ${expected}, ` +
        `runnable were [${available.join(', ')}]`,
    );
    this.name = 'ReplayDivergence';
  }
}

/** The draw a lenient replay returns where none applies: every fault `chance(p)` says no. */
export const DRAW_DEFAULT = 0xffffffff;
