/**
 * interleave as a library: what the CLI does, callable from a test.
 *
 *   import { explore } from 'interleave';
 *   const r = await explore({ target: myTarget, seeds: '1..500' });
 *   t.equal(r.failures.length, 0, r.failures[0]?.replayCommand);
 */
export type {
  Broadcaster, CondVar, Mutex, NodeContext, NodeMain, Op, Semaphore, SetupContext, Shared, Sim,
  SpawnOptions, Subscription, Target, TaskFn,
} from './core/api.js';
export { defineTarget } from './core/api.js';
export type { Violation, ViolationKind } from './core/violation.js';
export type { TraceEvent } from './core/trace.js';
export type { FaultEvent, EndReason, CoreOptions } from './core/run.js';
export type { RunOptions } from './engine/options.js';
export { execute, DEFAULT_OPTIONS, type RunResult } from './engine/execute.js';
// campaign/guided-run.ts declares RunResult's `guided` and `schedule`: part of the public type.
export type { GuidedInfo } from './campaign/guided-run.js';
export { canonicalSeed } from './core/seed.js';
export { FAULTS, resolveFaults } from './faults/names.js';
export { explore } from './campaign/explore.js';
export type { ExploreOptions } from './campaign/resolve.js';
export { replay, type ReplayOptions } from './campaign/replay-seed.js';
export { outcomeOf } from './campaign/seed-run.js';
export { pctGuarantee, type ExploreResult, type Failure } from './campaign/tally.js';
export { parseSeeds, type SeedSeq } from './campaign/seeds.js';
export { strategyNames, registerStrategy, type StrategySpec } from './strategies/index.js';
export { UsageError } from './core/errors.js';
export type { Scheduler, SchedulerFactory, Choice, StepContext } from './core/scheduler.js';
export { checkDeterminism, type DeterminismReport } from './campaign/determinism.js';
// A custom strategy's factory gets the run's entropy source: it takes its streams from it.
export { Entropy, type DrawStream } from './core/entropy.js';
export { shrink, type ShrinkResult } from './shrink/index.js';
export { signatureOf } from './core/signature.js';
export {
  makeSchedule, readScheduleFile, writeScheduleFile, replaySchedule, encodeDecisions, decodeDecisions,
} from './replay/index.js';
export { regress, formatTap, type RegressReport } from './regress/index.js';
export { loadTarget } from './target/load.js';
export { HARNESS_VERSION } from './version.js';
export type { History, HistoryOp, HistoryModel, HistoryInput, HistorySpec } from './core/api.js';
export {
  UNKNOWN, checkEvents, checkOperations, parseHistory, MODELS as HISTORY_MODELS,
  type CheckResult as HistoryCheckResult, type HistoryEvent, type LinearizabilityViolation,
} from './check/linearizability/index.js';
