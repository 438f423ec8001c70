import { Rng } from '../core/rng.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/**
 * The deterministic baseline that never preempts: the running task goes on until it blocks,
 * then the task that has waited longest to run (FIFO) goes, and time moves only when no task
 * can run. A bug found by `random` but not here was found by exploration, not luck.
 */
export class RunToBlockScheduler implements Scheduler {
  readonly name = 'run-to-block';
  readonly params = {};
  private readonly user: Rng;
  private readonly fault: Rng;

  constructor(seed: string) {
    const root = new Rng(seed);
    this.user = root.fork('user');
    this.fault = root.fork('fault');
  }

  nextStep(_steps: readonly Choice[], ctx: StepContext): number {
    if (ctx.current >= 0) return ctx.current;
    // Tasks come first in FIFO order of becoming runnable; timed events last, earliest first.
    return 0;
  }

  choose(): number {
    return 0;
  }

  nextU32(stream: DrawStream): number {
    return stream === 'user' ? this.user.u32() : this.fault.u32();
  }
}

export const runToBlockStrategy: SchedulerFactory = (seed) => new RunToBlockScheduler(seed);
