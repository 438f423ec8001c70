import type { Target } from '../core/api.js';
import type { RunOptions } from '../engine/options.js';
import type { Violation } from '../core/violation.js';
import type { ReplayConfig } from '../strategies/replay.js';
import { scheduleDecisions, scheduleRunOptions, type ScheduleFile } from './schedule-file.js';
import { outcomeOf, runDecisions, type ReplayedRun } from './run-decisions.js';

export interface ScheduleReplay extends ReplayedRun {
  /** `pass` or `violation:<kind>` of this replay. */
  outcome: string;
  /** The replay made exactly the recorded decisions (same hash). */
  hashMatches: boolean;
  /** The strict replay's `replay-divergence` violation, when the schedule no longer fits. */
  divergence: Violation | null;
}

export interface ReplayScheduleOptions {
  /** Strict by default: the first decision that cannot be followed ends the run. */
  config?: ReplayConfig;
  /** Trace settings (traceAll for `replay --trace`); the schedule's own options win for the rest. */
  base?: RunOptions;
}

/** Replays a schedule file's decisions against `target` (already resolved from `s.target`). */
export async function replaySchedule(s: ScheduleFile, target: Target, o: ReplayScheduleOptions = {}): Promise<ScheduleReplay> {
  const run = await runDecisions(
    { target, variant: s.variant, seed: s.seed, strategy: s.strategy, options: scheduleRunOptions(s, o.base) },
    scheduleDecisions(s),
    o.config ?? { mode: 'strict' },
  );
  const divergence = run.result.violations.find((v) => v.kind === 'replay-divergence') ?? null;
  return {
    ...run,
    outcome: outcomeOf(run.result),
    hashMatches: run.result.decisionHash === s.decisionHash,
    divergence,
  };
}
