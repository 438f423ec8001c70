/** Every finding is one of these; `kind` is what seeds/ entries and --ignore name. */
export type ViolationKind =
  | 'lost-wakeup'
  | 'deadlock'
  | 'mutex-misuse'
  | 'uncaught-error'
  | 'invariant'
  | 'assert'
  | 'escaped-simulation'
  | 'unawaited-operation'
  | 'budget-exceeded'
  | 'replay-divergence'
  | 'stalled'
  | 'out-of-memory'
  | 'task-limit'
  | 'unhandled-rejection'
  | 'never-settled'
  | (string & {});

/** Every kind the harness reports: --ignore and a target's `ignore` are checked against it. */
export const VIOLATION_KINDS: readonly string[] = [
  'lost-wakeup', 'deadlock', 'mutex-misuse', 'uncaught-error', 'invariant', 'assert',
  'escaped-simulation', 'unawaited-operation', 'budget-exceeded', 'replay-divergence', 'nondeterminism',
  'duplicate-leadership', 'leadership-overlap', 'lost-leadership-event', 'election-safety',
  'log-matching', 'leader-completeness', 'state-machine-safety', 'liveness', 'report-contract',
  'stalled', 'out-of-memory', 'task-limit', 'unhandled-rejection', 'linearizability', 'never-settled',
];

/** Kinds that depend on the machine (wall time, heap size), not only on the seed: they are left
 * out of the promise that --jobs and --shard never change a result. */
export const MACHINE_KINDS: readonly string[] = ['stalled', 'out-of-memory'];

export interface Violation {
  kind: ViolationKind;
  /** Step at which it was detected (the decision count). */
  step: number;
  /** Virtual time in ms. */
  timeMs: number;
  /** Tasks (or nodes) involved, most responsible first. */
  actors: string[];
  message: string;
  /** Structured details a report may show (steps of the stale read and the unheard signal, holders...). */
  details?: Record<string, unknown>;
}

/** Thrown into a task to stop it after the run recorded a violation or ended; never user-visible. */
export class RunStopped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RunStopped';
  }
}
