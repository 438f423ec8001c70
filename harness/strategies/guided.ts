import type { Rng } from '../core/rng.js';
import type { Entropy } from '../core/entropy.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';
import { RandomScheduler } from './random.js';
import type { Decision } from './replay.js';

/** Where a guided run departs from its parent's decisions at one step (sched/mutate.ts). */
export interface Flip {
  /** Decision index: from here on, the first decision with a choice takes another option. */
  at: number;
  /** Take a timer (or a timeout) where the parent took a message delivery. */
  timer: boolean;
}

/**
 * `--strategy guided` runs one seed as a mutation of a corpus run (harness/guide): it follows
 * the parent's decisions, perturbed, for as long as they fit, then goes on with a random tail
 * seeded by its own seed. Falling back to the lenient defaults instead would end every mutated
 * run the same calm way and waste the mutation. With no parent it is `random` exactly: a
 * guided campaign's first seeds are random's.
 *
 * A decision "fits" when it is of the kind asked (a label for a step or a choice, a number for a
 * draw) and, for a label, offered. Matching is by position, as lenient replay does: a parent's
 * decisions are the mutation's material, not a contract.
 */
export class GuidedScheduler implements Scheduler {
  readonly name = 'guided';
  readonly params = {};
  private readonly tail: RandomScheduler;
  private readonly pick: Rng;
  private at = 0;
  private following: boolean;
  private flipPending: Flip | null;
  /** Decisions the run took from its parent (what the corpus learns a mutation kept). */
  followed = 0;

  constructor(
    entropy: Entropy,
    private readonly list: readonly Decision[] | null = null,
    flip: Flip | null = null,
  ) {
    this.tail = new RandomScheduler(entropy);
    this.pick = entropy.strategy('guided-flip');
    this.following = list !== null && list.length > 0;
    this.flipPending = flip;
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    if (this.following) {
      const i = this.label(steps, ctx.taskCount);
      if (i >= 0) return i;
    }
    return this.tail.nextStep(steps, ctx);
  }

  choose(kind: string, options: readonly Choice[]): number {
    if (this.following) {
      const i = this.label(options, options.length);
      if (i >= 0) return i;
    }
    return this.tail.choose(kind, options);
  }

  nextU32(stream: DrawStream): number {
    if (this.following) {
      const d = this.list![this.at++];
      if (typeof d === 'number') {
        this.followed++;
        return d >>> 0;
      }
      this.stop();
    }
    return this.tail.nextU32(stream);
  }

  /** The parent's label here, or the flip's other option; -1 once the parent no longer fits. */
  private label(options: readonly Choice[], taskCount: number): number {
    const at = this.at++;
    const d = this.list![at];
    if (typeof d !== 'string') return this.stop();
    const i = indexOf(options, d);
    if (i < 0) return this.stop();
    this.followed++;
    const f = this.flipPending;
    if (f === null || at < f.at || options.length < 2) return i;
    const other = f.timer ? timerBefore(options, taskCount, d) : this.pick.int(options.length - 1);
    if (other < 0) return i;
    this.flipPending = null;
    return f.timer ? other : other >= i ? other + 1 : other;
  }

  private stop(): -1 {
    this.following = false;
    return -1;
  }
}

function indexOf(options: readonly Choice[], label: string): number {
  for (let i = 0; i < options.length; i++) if (options[i]!.label === label) return i;
  return -1;
}

/** A due timer offered where the parent delivered a message (`a→b:…`), or -1. */
function timerBefore(options: readonly Choice[], taskCount: number, took: string): number {
  if (!took.includes('→')) return -1;
  for (let i = taskCount; i < options.length; i++) if (!options[i]!.label.includes('→')) return i;
  return -1;
}

/** Registered as a strategy so names, specs and probes resolve; a campaign runs each seed through
 * its guide (harness/campaign/guided-run.ts), and with no corpus a seed runs as `random`. */
export const guidedStrategy: SchedulerFactory = (_seed, entropy) => new GuidedScheduler(entropy);
