import type { Rng } from '../core/rng.js';
import type { Entropy } from '../core/entropy.js';
import { intParam, type StrategyParams } from './params.js';
import type { Choice, DrawStream, Scheduler, SchedulerFactory, StepContext } from '../core/scheduler.js';

/** PCT's knobs: bug depth d and the step bound k the change points are drawn within. */
export interface PctParams {
  depth: number;
  k: number;
}

/**
 * k = 200 covers the bundled thread targets' runs (tens to a few hundred steps). A change point
 * drawn past a run's end is wasted, so k near the real run length is what buys PCT its bound;
 * `pctStepBound` (explore/pct-bound.ts) derives one from a dry run for targets whose runs are much shorter or longer.
 */
export const PCT_DEFAULTS: Readonly<PctParams> = { depth: 3, k: 200 };

const DEPTH_MAX = 16;
const K_MAX = 10_000_000;

/** Reads `{ depth, k }` from strategy params (numbers or decimal strings), defaults filled in. */
export function pctParams(params: StrategyParams): PctParams {
  const depth = intParam('pct', params, 'depth', PCT_DEFAULTS.depth, DEPTH_MAX);
  const k = intParam('pct', params, 'k', PCT_DEFAULTS.k, K_MAX);
  return { depth, k };
}

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
 * Every task gets a random priority when first seen; the highest-priority enabled task runs.
 * d−1 change points are drawn in [1, k] before the run: when the step count reaches one, the
 * task about to run drops below every other priority, so each run of at most k steps finds a
 * given depth-d bug with probability at least 1/(n·k^(d−1)) for n tasks.
 *
 * Timed events compete by priority too: a task's own wake-up (`timer:<task>`, `timeout:<task>`)
 * carries that task's priority, since a sleep is only a slow step of the same thread; any other
 * event (a message delivery) gets a priority of its own on first sight. Treating events as lower
 * than every task would hold time still while any task can run, so a producer that sleeps
 * between items could never land inside a consumer's window (PCT then never finds the
 * bounded-buffer lost wakeup at all). Past step k the bound no longer holds, and a task that
 * spins waiting for a lower-priority event would starve it; from there the scheduler picks
 * uniformly among all steps, as `random` does.
 */
export class PctScheduler implements Scheduler {
  readonly name = 'pct';
  readonly params: Readonly<Record<string, number>>;
  private readonly sched: Rng;
  private readonly priority = new Map<string, number>();
  /** Sorted ascending; changePoints[i] lowers a task to priority depth − 1 − i. */
  private readonly changePoints: number[];
  private nextChange = 0;

  constructor(private readonly entropy: Entropy, readonly pct: PctParams) {
    this.sched = entropy.scheduler;
    this.params = { depth: pct.depth, k: pct.k };
    const points: number[] = [];
    for (let i = 0; i < pct.depth - 1; i++) points.push(1 + this.sched.int(pct.k));
    this.changePoints = points.sort((a, b) => a - b);
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    // Step numbers in the paper count from 1; ctx.step counts steps already taken.
    const stepNo = ctx.step + 1;
    if (stepNo > this.pct.k) return steps.length === 1 ? 0 : this.sched.int(steps.length);
    let best = this.highest(steps);
    while (this.nextChange < this.changePoints.length && this.changePoints[this.nextChange]! <= stepNo) {
      // Below every initial priority (all ≥ depth) and below earlier change points.
      this.priority.set(ownerOf(steps[best]!.label), this.pct.depth - 1 - this.nextChange);
      best = this.highest(steps);
      this.nextChange++;
    }
    return best;
  }

  /** Index of the highest-priority step; ties (equal draws) go to the lower label. */
  private highest(steps: readonly Choice[]): number {
    let best = 0;
    let bestPrio = this.prio(steps[0]!.label);
    for (let i = 1; i < steps.length; i++) {
      const p = this.prio(steps[i]!.label);
      if (p > bestPrio || (p === bestPrio && steps[i]!.label < steps[best]!.label)) {
        best = i;
        bestPrio = p;
      }
    }
    return best;
  }

  private prio(label: string): number {
    const owner = ownerOf(label);
    let p = this.priority.get(owner);
    if (p === undefined) {
      // Initial priorities lie in [depth, depth + 2^32): above every change-point priority.
      p = this.pct.depth + this.sched.u32();
      this.priority.set(owner, p);
    }
    return p;
  }

  choose(_kind: string, options: readonly Choice[]): number {
    return this.sched.int(options.length);
  }

  nextU32(stream: DrawStream): number {
    return this.entropy.u32(stream);
  }
}

/** The task a timed event resumes (`timer:<task>`, `timeout:<task>`, see run.ts and condvar.ts), else the label itself. */
function ownerOf(label: string): string {
  if (label.startsWith('timer:')) return label.slice(6);
  if (label.startsWith('timeout:')) return label.slice(8);
  return label;
}

export function pctStrategy(params: StrategyParams): SchedulerFactory {
  const p = pctParams(params);
  return (_seed, entropy) => new PctScheduler(entropy, p);
}

/**
 * The PCT probability bound for one run: a depth-d bug reachable within k steps among n tasks
 * is hit with probability ≥ 1/(n·k^(d−1)). After `runs` independent runs, the chance all missed
 * it is (1 − p)^runs, which a campaign summary can quote.
 */
export function pctMissProbability(n: number, k: number, depth: number, runs: number): number {
  if (!(n >= 1 && k >= 1 && depth >= 1 && runs >= 0)) throw new RangeError('pctMissProbability: n, k, depth ≥ 1 and runs ≥ 0');
  const p = 1 / (n * Math.pow(k, depth - 1));
  return Math.pow(1 - p, runs);
}
