import type { Target } from '../core/api.js';
import { execute, type RunResult } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import type { StrategySpec } from '../strategies/index.js';
import { RecordingScheduler, type DecisionInfo } from '../strategies/recording.js';
import { ReplayScheduler, type Decision, type ReplayConfig } from '../strategies/replay.js';

/** Everything that makes one run, except the scheduler's decisions. */
export interface RunSpec {
  target: Target;
  variant: string;
  seed: string;
  /** The strategy that recorded the decisions; the result names it, not `replay`. */
  strategy: StrategySpec;
  options: RunOptions;
}

export interface ReplayedRun {
  result: RunResult;
  /** Every decision with its kind, step and whether it preempted. */
  log: DecisionInfo[];
  /** Recorded decisions the run asked for (a run that ends early leaves some unread). */
  consumed: number;
  /** Decisions where the replay fell back to the default (lenient, or an exhausted list). */
  fallbacks: number;
}

/** Runs `spec` following `decisions`; the engine turns a strict divergence into a violation. */
export async function runDecisions(
  spec: RunSpec,
  decisions: readonly Decision[],
  config: ReplayConfig,
  /** Keep every decision's offered labels in the log (the shrinker tries the alternatives). */
  keepOptions = false,
): Promise<ReplayedRun> {
  let replay: ReplayScheduler | null = null;
  let rec: RecordingScheduler | null = null;
  const result = await execute({
    ...spec,
    scheduler: () => {
      replay = new ReplayScheduler(decisions, config);
      rec = new RecordingScheduler(replay, keepOptions);
      return rec;
    },
  });
  if (replay === null || rec === null) throw new Error('execute did not build a scheduler');
  const r = replay as ReplayScheduler;
  return { result, log: (rec as RecordingScheduler).log, consumed: r.consumed, fallbacks: r.fallbacks };
}

/** The first violation's kind, or null for a run that passed. */
export function violationKind(r: RunResult): string | null {
  return r.violations[0]?.kind ?? null;
}

/** `pass` or `violation:<kind>`: what a schedule file and the regression corpus expect. */
export function outcomeOf(r: RunResult): string {
  const k = violationKind(r);
  return k === null ? 'pass' : `violation:${k}`;
}
