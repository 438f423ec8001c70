import type { RunOptions } from '../engine/options.js';
import type { RunResult } from '../engine/execute.js';
import type { DecisionInfo } from '../strategies/recording.js';
import type { Decision } from '../strategies/replay.js';
import { runDecisions, violationKind, type RunSpec } from '../replay/run-decisions.js';
import { keyRun, runWithout, type KeyedFrom, type KeyedRun } from '../replay/keyed.js';
import { metricsOf, type ShrinkMetrics } from './metrics.js';
import { signatureOf } from '../core/signature.js';
import { shows, showsAs, type Sought } from './sought.js';

/**
 * One candidate run as plain data, so it can cross to a worker thread (pool.ts): everything
 * but the target, which is the same for every candidate of a shrink and which a worker loads
 * itself. The same function runs it inline or in a worker, so where it ran never shows.
 */
export type Job = ListJob | KeyJob | KeyedJob;

/** A lenient replay of a decision list (the list passes and searches). */
export interface ListJob {
  type: 'list';
  list: readonly Decision[];
  /** Keep every decision's offered labels in the log. */
  withOptions: boolean;
  options: RunOptions;
}

/** A lenient replay of a list that keys every draw (keyed-replay.ts keyRun). */
export interface KeyJob {
  type: 'key';
  list: readonly Decision[];
  options: RunOptions;
}

/** A keyed replay of `from` without some of its faults (keyed-replay.ts runWithout). */
export interface KeyedJob {
  type: 'keyed';
  from: KeyedFrom;
  removed: ReadonlySet<string>;
  attempt: number;
  seed: string;
  rerollFromMs: number | null;
  options: RunOptions;
}

/** One candidate run, reduced to what the search reads: no trace, no fault log, no result. */
export interface Candidate {
  /** The decisions the lenient replay actually made (they replay strictly). */
  list: Decision[];
  log: DecisionInfo[];
  metrics: ShrinkMetrics;
  kind: string | null;
  /** Its first violation's signature (core/signature.ts), or null when it passed. */
  signature: string | null;
  decisionHash: string;
  /** The log has every decision's offered labels. */
  withOptions: boolean;
  /** The run had a simulated network. */
  network: boolean;
}

export type JobResult = { type: 'list'; candidate: Candidate; steps: number } | { type: 'keyed'; run: KeyedRun; steps: number };

/** What every candidate of one shrink shares. */
export type JobBase = Omit<RunSpec, 'options'>;

export async function runJob(base: JobBase, job: Job): Promise<JobResult> {
  const spec: RunSpec = { ...base, options: job.options };
  switch (job.type) {
    case 'list': {
      const r = await runDecisions(spec, job.list, { mode: 'lenient' }, job.withOptions);
      const first = r.result.violations[0];
      const candidate: Candidate = {
        list: r.result.decisions, log: r.log, metrics: metricsOf(r.result, r.log), kind: violationKind(r.result),
        signature: first === undefined ? null : signatureOf(first),
        decisionHash: r.result.decisionHash, withOptions: job.withOptions, network: r.result.network === true,
      };
      return { type: 'list', candidate, steps: r.result.steps };
    }
    case 'key': {
      const run = await keyRun(spec, job.list);
      return { type: 'keyed', run, steps: run.result.steps };
    }
    case 'keyed': {
      const run = await runWithout(spec, job.from, job.removed, job.attempt, job.seed, job.rerollFromMs);
      return { type: 'keyed', run, steps: run.result.steps };
    }
  }
}

/**
 * The result of a candidate whose worker never came back (a step that ran for seconds of wall
 * time) or ran out of heap: it reproduces nothing, so the search goes on without it.
 */
export function lostResult(base: JobBase, job: Job, kind: 'stalled' | 'out-of-memory', message: string): JobResult {
  const result: RunResult = {
    target: base.target.name, variant: base.variant, seed: base.seed, strategy: { name: 'replay', params: { mode: 'lenient' } },
    outcome: 'violation', end: 'violation', violations: [{ kind, step: 0, timeMs: 0, actors: [], message }], ignored: {},
    steps: 0, timeMs: 0, decisionHash: '', tasks: 0, faultLog: [], faults: {}, decisions: [], traceWindow: [],
  };
  if (job.type === 'list') {
    const metrics: ShrinkMetrics = { steps: 0, preemptions: 0, faults: 0, decisions: 0, deviations: 0 };
    return { type: 'list', candidate: { list: [], log: [], metrics, kind, signature: kind, decisionHash: '', withOptions: false, network: true }, steps: 0 };
  }
  return { type: 'keyed', run: { result, draws: new Map(), steps: [], stepTimes: [], choices: [], units: [], sends: [] }, steps: 0 };
}

/** Whether a result's first violation is the failure sought. */
export function resultShows(r: JobResult, s: Sought): boolean {
  return r.type === 'list' ? showsAs(r.candidate.kind, r.candidate.signature, s) : shows(r.run.result.violations[0], s);
}

/**
 * A result without what only an accepted candidate needs (its decisions, log, keyed draws): what
 * a worker sends back for a candidate that did not show the failure sought, which every search
 * rejects on its kind and signature alone. Copying a Raft run's thousands of decisions and draws between
 * threads cost about as much as running it.
 */
export function slimResult(r: JobResult): JobResult {
  if (r.type === 'list') return { ...r, candidate: { ...r.candidate, list: [], log: [] } };
  const { result } = r.run;
  return { ...r, run: { result: { ...result, decisions: [], faultLog: [], traceWindow: [] }, draws: new Map(), steps: [], stepTimes: [], choices: [], units: r.run.units, sends: [] } };
}

/** A list job's result (a keyed one is a bug in the caller). */
export function candidateOf(r: JobResult): Candidate {
  if (r.type !== 'list') throw new Error('shrink: a list job returned a keyed run');
  return r.candidate;
}

export function keyedOf(r: JobResult): KeyedRun {
  if (r.type !== 'keyed') throw new Error('shrink: a keyed job returned a list candidate');
  return r.run;
}
