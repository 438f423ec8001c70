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
// guide/run.ts declares RunResult's `guided` and `schedule`: part of the public type.
export type { GuidedInfo } from './guide/run.js';
export { canonicalSeed } from './core/seed.js';
export { FAULTS, resolveFaults } from './core/faults.js';
export {
  explore, replay, pctGuarantee, outcomeOf,
  type ExploreOptions, type ExploreResult, type Failure, type ReplayOptions,
} from './explore/explore.js';
export { parseSeeds } from './explore/seeds.js';
export { strategyNames, registerStrategy, UsageError, type StrategySpec } from './sched/index.js';
export type { Scheduler, SchedulerFactory, Choice, StepContext } from './sched/scheduler.js';
// A custom strategy's factory gets the run's entropy source: it takes its streams from it.
export { Entropy, type DrawStream } from './core/entropy.js';
export { checkDeterminism, type DeterminismReport } from './explore/determinism.js';
export { shrink, type ShrinkResult } from './shrink/index.js';
export { signatureOf } from './core/signature.js';
export {
  makeSchedule, readScheduleFile, writeScheduleFile, replaySchedule, encodeDecisions, decodeDecisions,
} from './schedule/index.js';
export { regress, formatTap, type RegressReport } from './regress/index.js';
export { loadTarget } from './target/load.js';
export { HARNESS_VERSION } from './version.js';
