import { Rng } from '../core/rng.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/** Uniform among enabled steps; each subsystem draws from its own fork of the seed. */
export class RandomScheduler implements Scheduler {
  readonly name = 'random';
  readonly params = {};
  private readonly sched: Rng;
  private readonly user: Rng;
  private readonly fault: Rng;

  constructor(seed: string) {
    const root = new Rng(seed);
    this.sched = root.fork('sched');
    this.user = root.fork('user');
    this.fault = root.fork('fault');
  }

  nextStep(steps: readonly Choice[], _ctx: StepContext): number {
    return steps.length === 1 ? 0 : this.sched.int(steps.length);
  }

  choose(_kind: string, options: readonly Choice[]): number {
    return this.sched.int(options.length);
  }

  nextU32(stream: DrawStream): number {
    return stream === 'user' ? this.user.u32() : this.fault.u32();
  }
}

export const randomStrategy: SchedulerFactory = (seed) => new RandomScheduler(seed);
