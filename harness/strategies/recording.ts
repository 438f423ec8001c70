import { DRAW_DEFAULT, defaultStep } from './replay.js';
import type { Choice, DrawStream, MessageSend, Scheduler, StepContext } from '../core/scheduler.js';
import { isEnvironmentDraw } from '../core/entropy.js';

/** What a recorded decision was, beyond its value: the shrinker and the determinism check read these. */
export interface DecisionInfo {
  kind: 'step' | 'choice' | 'draw';
  /** Steps taken before this decision (the trace's step numbers for the step it picks are step + 1). */
  step: number;
  /** A step that switched away from a task that could have run on. */
  preemption: boolean;
  /** The task that just parked and could have run on, or null. */
  current: string | null;
  /** What was picked: a label, or the drawn number. */
  value: string | number;
  /** For draws: which stream. */
  stream: DrawStream | null;
  /** For steps and choices: every label offered (only when the recorder keeps options). */
  options: readonly string[] | null;
  /**
   * Differs from what a lenient replay does where it has no decision (replay.ts defaultStep, the
   * first option, DRAW_DEFAULT): the shrinker prefers schedules closer to that default.
   */
  deviation: boolean;
}

export interface DecisionStats {
  steps: number;
  preemptions: number;
  /** Draws of the environment (every stream but the user's: latencies and faults). */
  faultDraws: number;
}

/**
 * Wraps any scheduler and notes every decision it makes, so preemptions (a switch away from a
 * task that was still runnable) can be counted without touching the engine's hot path: runs
 * that need the count (shrinking, the determinism check) pay for it, campaigns do not.
 */
export class RecordingScheduler implements Scheduler {
  readonly log: DecisionInfo[] = [];
  private lastStep = 0;
  private lastLabel = '';

  /** Present exactly when the inner scheduler picks delays itself: the run asks only then. */
  readonly messageDelay?: (send: MessageSend) => number;

  constructor(readonly inner: Scheduler, private readonly keepOptions = false) {
    const pick = inner.messageDelay;
    if (pick !== undefined) {
      this.messageDelay = (send) => {
        const d = pick.call(inner, send);
        // Logged as the run records it: the offset from minMs.
        const v = Math.min(send.maxMs - send.minMs, Math.max(0, Math.round(d - send.minMs)));
        this.log.push({ kind: 'draw', step: this.lastStep + 1, preemption: false, current: null, value: v, stream: 'latency', options: null, deviation: v !== 0 });
        return d;
      };
    }
  }

  get name(): string {
    return this.inner.name;
  }

  get params(): Readonly<Record<string, string | number | boolean>> {
    return this.inner.params;
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    const i = this.inner.nextStep(steps, ctx);
    this.lastStep = ctx.step;
    const cur = ctx.current >= 0 ? steps[ctx.current]!.label : null;
    const deviation = i !== defaultStep(steps, ctx, this.lastLabel);
    this.lastLabel = steps[i]?.label ?? '';
    this.log.push({
      kind: 'step', step: ctx.step, preemption: ctx.current >= 0 && i !== ctx.current, current: cur,
      value: this.lastLabel, stream: null, options: this.keepOptions ? steps.map((s) => s.label) : null, deviation,
    });
    return i;
  }

  choose(kind: string, options: readonly Choice[]): number {
    const i = this.inner.choose(kind, options);
    this.log.push({
      kind: 'choice', step: this.lastStep + 1, preemption: false, current: null,
      value: options[i]?.label ?? '', stream: null, options: this.keepOptions ? options.map((s) => s.label) : null,
      deviation: i !== 0,
    });
    return i;
  }

  nextU32(stream: DrawStream): number {
    const v = this.inner.nextU32(stream) >>> 0;
    this.log.push({ kind: 'draw', step: this.lastStep + 1, preemption: false, current: null, value: v, stream, options: null, deviation: v !== DRAW_DEFAULT });
    return v;
  }

  stats(): DecisionStats {
    let steps = 0;
    let preemptions = 0;
    let faultDraws = 0;
    for (const d of this.log) {
      if (d.kind === 'step') steps++;
      if (d.preemption) preemptions++;
      if (isEnvironmentDraw(d.stream)) faultDraws++;
    }
    return { steps, preemptions, faultDraws };
  }
}
