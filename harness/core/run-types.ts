import type { Trace } from './trace.js';
import type { Violation } from './violation.js';
import type { InvariantBlame } from './invariant-blame.js';

/**
 * The shapes a run is made of and hands out: its options, its result, and the hooks that
 * detectors, the network, coverage and host mode attach to it (core/run.ts is the loop).
 */
export type EndReason = 'quiescent' | 'duration' | 'violation';

/**
 * What the scheduler loop itself reads of a run's options. The full options a user's run takes
 * (the network's knobs, the drawn weather, the workload) are `RunOptions` in
 * harness/engine/options.ts, composed above core so that core imports nothing above it.
 */
export interface CoreOptions {
  /** Virtual duration in ms; reaching it is a normal end. */
  durationMs: number;
  /** Decision budget; exhausting it first is a `budget-exceeded` violation. */
  maxSteps: number;
  /** Fault name → probability in [0, 1]; absent means off. */
  faults: Readonly<Record<string, number>>;
  /** Violation kinds that are counted but neither reported nor allowed to stop the run. */
  ignore: ReadonlySet<string>;
  /** Trace events kept around a violation. */
  traceWindow: number;
  /** Keep the whole timeline (replay --trace). */
  traceAll: boolean;
  /** More tasks than this (spawned in one run) is a `task-limit` violation; default 100,000. */
  maxTasks?: number;
  /** Diagnosis of a stalled seed: stop before performing this step and report, as `stalled`,
   * the task or timer it would have resumed (the supervisor saw the thread never come back). */
  stopAtStep?: number;
  /** Wall time the supervisor waited before it gave up on the step (for the message). */
  stalledMs?: number;
  /** A campaign's seed: a run that passes does not spell out its decision list or render its
   * trace window (the campaign would drop both); a run with a violation keeps them. */
  dropPassingDetail?: boolean;
}

/**
 * What host mode (harness/host) plugs into a run, so that unmodified event-driven code can run
 * as a node's program. Hosted code continues through promises and `process.nextTick`, outside
 * the engine's control: with a host, every decision runs in its own real macrotask (`hop`), so
 * those queues drain before the next decision, and a run ends on one more hop.
 */
export interface RunHost {
  /** Calls `fn` in the next real macrotask (the real setImmediate, captured before any swap). */ // allowed: host mode's hop between decisions, never a wait
  hop(fn: () => void): void;
  /** The run is about to end (nothing virtual left, or the duration is up): the real resources
   * its code created (a socket, a real timer), described for an `escaped-simulation`, or null. */
  escapes(): string | null;
  /** The run has ended: hosted code still draining must not draw or arm anything. */
  ended(): void;
}

/** Hooks that detectors and the network layer attach to a run. */
export interface Checker {
  /** After every step; may call run.violate. */
  afterStep?(): void;
  /** Once when the run ends normally (not on a violation). */
  atEnd?(reason: EndReason): void;
}

export interface FaultEvent {
  step: number;
  timeMs: number;
  fault: string;
  detail: string;
}

export interface RawRunResult {
  end: EndReason;
  violations: Violation[];
  ignored: Record<string, number>;
  steps: number;
  timeMs: number;
  decisionHash: string;
  decisions: (string | number)[];
  tasks: number;
  faultLog: FaultEvent[];
  /** The caller reads this run's detail: its `decisions` are spelled out, and its trace window
   * is to be rendered (false only for a passing run under dropPassingDetail). */
  detail: boolean;
  /** The timeline: its window, rendered once the run's last continuations are done, and the
   * whole of it when traceAll asked (`trace.full`). */
  trace: Trace;
  /** The writes that made the first invariant violation false, when the harness could tell. */
  invariantBlame: InvariantBlame | null;
}

/** What the run and the network report of the states they reach (the engine supplies it). */
export interface RunCoverage {
  observe(node: number, incarnation: number, role: string, term: number, commitIndex: number): void;
  signal(node: number, incarnation: number, leader: boolean, term: number): void;
  crashed(node: number): void;
  restarted(node: number, incarnation: number): void;
  delivered(node: number, kind: number): void;
  waits(id: number, label: number, op: string): void;
  woke(id: number): void;
  cover(key: string | number, node: number): void;
  states(): number[];
}
