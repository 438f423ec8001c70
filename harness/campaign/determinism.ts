import type { Target } from '../core/api.js';
import { execute, type RunResult } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import type { TraceEvent } from '../core/trace.js';
import { makeStrategy, type StrategySpec } from '../strategies/index.js';
import { RecordingScheduler, type DecisionInfo } from '../strategies/recording.js';

export interface DeterminismInput {
  target: Target;
  variant: string;
  seed: string;
  strategy: StrategySpec;
  options: RunOptions;
}

/** What one of the two runs did at the first point they differ. */
export interface DivergentSide {
  /** The decision there (undefined when this run had already ended). */
  decision: DecisionInfo | undefined;
  /** Trace events of the steps around it. */
  events: TraceEvent[];
  decisionHash: string;
}

export type DeterminismReport =
  | { deterministic: true; decisionHash: string; steps: number }
  | {
      deterministic: false;
      /** Index in the decision list of the first difference (or of the first differing event). */
      decision: number;
      /** Step at which it happened. */
      step: number;
      message: string;
      first: DivergentSide;
      second: DivergentSide;
    };

/** Trace steps shown before and after the divergence. */
const CONTEXT_STEPS = 3;

/**
 * Runs a seed twice and compares the runs decision by decision, then event by event. A target
 * that reads a real clock, an unseeded random source or a module-level variable makes a different choice, or
 * sees different values, the second time: the report names the first such point and shows both
 * runs around it, instead of two hashes that merely differ.
 */
export async function checkDeterminism(input: DeterminismInput): Promise<DeterminismReport> {
  const a = await recordedRun(input);
  const b = await recordedRun(input);
  const i = firstDifference(a.log, b.log);
  if (i >= 0) {
    const da = a.log[i];
    const db = b.log[i];
    const step = (da ?? db)!.step + (((da ?? db)!.kind === 'step') ? 1 : 0);
    return divergence(a, b, i, step,
      `decision ${i} (step ${step}) differs: first run ${describe(da)}, second run ${describe(db)}`);
  }
  const e = firstEventDifference(a.result.trace ?? [], b.result.trace ?? []);
  if (e !== null) {
    return divergence(a, b, decisionAtStep(a.log, e.step), e.step,
      `same decisions, but step ${e.step} differs: first run ${eventText(e.a)}, second run ${eventText(e.b)}`);
  }
  if (a.result.decisionHash !== b.result.decisionHash) throw new Error('equal decisions with different hashes: engine bug');
  return { deterministic: true, decisionHash: a.result.decisionHash, steps: a.result.steps };
}

interface Recorded {
  result: RunResult;
  log: DecisionInfo[];
}

async function recordedRun(input: DeterminismInput): Promise<Recorded> {
  const factory = makeStrategy(input.strategy);
  let rec: RecordingScheduler | null = null;
  const result = await execute({
    ...input,
    options: { ...input.options, traceAll: true },
    scheduler: (seed, entropy) => (rec = new RecordingScheduler(factory(seed, entropy), true)),
  });
  if (rec === null) throw new Error('execute did not build a scheduler');
  return { result, log: (rec as RecordingScheduler).log };
}

function firstDifference(a: readonly DecisionInfo[], b: readonly DecisionInfo[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x.kind !== y.kind || x.value !== y.value) return i;
    if (x.options !== null && y.options !== null && x.options.join('\u0000') !== y.options.join('\u0000')) return i;
  }
  return -1;
}

function firstEventDifference(a: readonly TraceEvent[], b: readonly TraceEvent[]): { step: number; a?: TraceEvent; b?: TraceEvent } | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || eventText(x) !== eventText(y) || x.timeMs !== y.timeMs) {
      return { step: (x ?? y)!.step, ...(x ? { a: x } : {}), ...(y ? { b: y } : {}) };
    }
  }
  return null;
}

function decisionAtStep(log: readonly DecisionInfo[], step: number): number {
  const i = log.findIndex((d) => d.kind === 'step' && d.step + 1 === step);
  return i >= 0 ? i : log.length;
}

function divergence(a: Recorded, b: Recorded, i: number, step: number, message: string): DeterminismReport {
  const side = (r: Recorded): DivergentSide => ({
    decision: r.log[i],
    events: (r.result.trace ?? []).filter((e) => Math.abs(e.step - step) <= CONTEXT_STEPS),
    decisionHash: r.result.decisionHash,
  });
  return { deterministic: false, decision: i, step, message, first: side(a), second: side(b) };
}

function describe(d: DecisionInfo | undefined): string {
  if (d === undefined) return 'had ended';
  if (d.kind === 'draw') return `drew ${d.value} (${d.stream})`;
  const offered = d.options === null ? '' : ` of [${d.options.join(', ')}]`;
  return `${d.kind === 'step' ? 'ran' : 'chose'} ${d.value}${offered}`;
}

function eventText(e: TraceEvent | undefined): string {
  return e === undefined ? 'had ended' : `${e.task} ${e.op} ${e.obj} → ${e.result}`;
}
