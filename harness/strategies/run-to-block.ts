import type { Entropy } from '../core/entropy.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/**
 * The deterministic baseline that never preempts: the running task goes on until it blocks,
 * then the task that has waited longest to run (FIFO) goes, and time moves only when no task
 * can run. A bug found by `random` but not here was found by exploration, not luck.
 */
export class RunToBlockScheduler implements Scheduler {
  readonly name = 'run-to-block';
  readonly params = {};
  constructor(private readonly entropy: Entropy) {}

  nextStep(_steps: readonly Choice[], ctx: StepContext): number {
    if (ctx.current >= 0) return ctx.current;
    // Tasks come first in FIFO order of becoming runnable; timed events last, earliest first.
    return 0;
  }

  choose(): number {
    return 0;
  }

  nextU32(stream: DrawStream): number {
    return this.entropy.u32(stream);
  }
}

export const runToBlockStrategy: SchedulerFactory = (_seed, entropy) => new RunToBlockScheduler(entropy);
