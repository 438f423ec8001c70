import type { Rng } from '../core/rng.js';
import type { Entropy } from '../core/entropy.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/** Uniform among enabled steps; every draw comes from the run's entropy, a stream per subsystem. */
export class RandomScheduler implements Scheduler {
  readonly name = 'random';
  readonly params = {};
  private readonly sched: Rng;

  constructor(private readonly entropy: Entropy) {
    this.sched = entropy.scheduler;
  }

  nextStep(steps: readonly Choice[], _ctx: StepContext): number {
    return steps.length === 1 ? 0 : this.sched.int(steps.length);
  }

  choose(_kind: string, options: readonly Choice[]): number {
    return this.sched.int(options.length);
  }

  nextU32(stream: DrawStream): number {
    return this.entropy.u32(stream);
  }
}

export const randomStrategy: SchedulerFactory = (_seed, entropy) => new RandomScheduler(entropy);
