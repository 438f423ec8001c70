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

export type DrawStream = 'user' | 'fault';

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
  /** A recorded 32-bit draw: `sim.random()` and fault decisions. */
  nextU32(stream: DrawStream): number;
}

/** Makes a fresh Scheduler for one run of one canonical seed. */
export type SchedulerFactory = (seed: string) => Scheduler;

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
