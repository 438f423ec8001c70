import { DRAW_DEFAULT } from '../core/scheduler.js';
import { ReplayDivergence, type Choice, type DrawStream, type Scheduler, type SchedulerFactory, type StepContext } from '../core/scheduler.js';

/** One recorded decision: a label for a step or a choice, a number for a 32-bit draw. */
export type Decision = string | number;

/**
 * `strict` follows the list exactly and throws ReplayDivergence at the first decision it cannot
 * follow. `lenient` (for shrinking) falls back to a fixed default there and keeps going.
 */
export type ReplayMode = 'strict' | 'lenient';

export interface ReplayConfig {
  mode: ReplayMode;
  /**
   * Strict only: what happens when the run wants more decisions than were recorded. `diverge`
   * (default) throws; `default` goes on with the lenient defaults, which is how the regression
   * corpus learns the outcome of a schedule whose bug was fixed (the run outlives its list).
   */
  whenExhausted?: 'diverge' | 'default';
}

// Defined in core (the engine reads it back from a replayed delay); exported here as before.
export { DRAW_DEFAULT };

/**
 * Follows a recorded decision list. Decisions are matched by label, never by position in the
 * runnable list, so a schedule survives code changes that reorder or add unrelated tasks.
 */
export class ReplayScheduler implements Scheduler {
  readonly name = 'replay';
  readonly params: Readonly<Record<string, string>>;
  private next = 0;
  private lastStep = '';
  /** Decisions where lenient replay (or an exhausted list) fell back to the default. */
  fallbacks = 0;

  constructor(
    private readonly list: readonly Decision[],
    private readonly config: ReplayConfig,
  ) {
    if (config.mode !== 'strict' && config.mode !== 'lenient') throw new TypeError(`unknown replay mode ${String(config.mode)}`);
    this.params = { mode: config.mode };
  }

  /** How many recorded decisions the run has asked for so far. */
  get consumed(): number {
    return this.next;
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    const at = this.next++;
    const d = this.list[at];
    let i = typeof d === 'string' ? indexOfLabel(steps, d) : -1;
    if (i < 0) {
      this.miss(at, d, 'a step', steps);
      i = defaultStep(steps, ctx, this.lastStep);
    }
    this.lastStep = steps[i]!.label;
    return i;
  }

  choose(kind: string, options: readonly Choice[]): number {
    const at = this.next++;
    const d = this.list[at];
    if (typeof d === 'string') {
      const i = indexOfLabel(options, d);
      if (i >= 0) return i;
    }
    this.miss(at, d, `a ${kind} choice`, options);
    // The first option is the engine's natural order (the longest waiter for a signal).
    return 0;
  }

  nextU32(stream: DrawStream): number {
    const at = this.next++;
    const d = this.list[at];
    if (typeof d === 'number') return d >>> 0;
    this.miss(at, d, `a ${stream} draw`, []);
    return DRAW_DEFAULT;
  }

  /** Throws in strict mode (unless an exhausted list may run on); counts a fallback otherwise. */
  private miss(at: number, d: Decision | undefined, asked: string, options: readonly Choice[]): void {
    const exhausted = d === undefined;
    if (this.config.mode === 'strict' && !(exhausted && this.config.whenExhausted === 'default')) {
      const expected = exhausted
        ? `no decision (the ${this.list.length} recorded ran out) where the run asked for ${asked}`
        : `${typeof d === 'string' ? `'${d}'` : d === DRAW_DEFAULT ? 'a number draw (the default: every fault chance says no)' : `a number draw (${d})`} where the run asked for ${asked}`;
      throw new ReplayDivergence(at, expected, options.map((o) => o.label));
    }
    this.fallbacks++;
  }
}

function indexOfLabel(options: readonly Choice[], label: string): number {
  for (let i = 0; i < options.length; i++) if (options[i]!.label === label) return i;
  return -1;
}

/**
 * The fixed default: the task that just parked runs on (no preemption), and a task whose own
 * timer just fired (`timer:<task>`, `timeout:<task>`) counts as the one that parked; else the
 * lowest-labelled runnable task; time moves (the lowest-labelled due event) only when no task
 * can run.
 */
export function defaultStep(steps: readonly Choice[], ctx: StepContext, lastStep = ''): number {
  if (ctx.current >= 0) return ctx.current;
  const owner = lastStep.startsWith('timer:') ? lastStep.slice(6) : lastStep.startsWith('timeout:') ? lastStep.slice(8) : '';
  if (owner !== '') {
    const i = indexOfLabel(steps, owner);
    if (i >= 0) return i;
  }
  const to = ctx.taskCount > 0 ? ctx.taskCount : steps.length;
  let best = 0;
  for (let i = 1; i < to; i++) if (steps[i]!.label < steps[best]!.label) best = i;
  return best;
}

export function replayStrategy(list: readonly Decision[], config: ReplayConfig): SchedulerFactory {
  return () => new ReplayScheduler(list, config);
}
