import type { RunOptions } from '../engine/options.js';
import type { RunResult } from '../engine/execute.js';
import { UsageError } from '../core/errors.js';
import type { Decision } from '../strategies/replay.js';
import { runDecisions, type RunSpec } from '../replay/run-decisions.js';
import { candidateOf, keyedOf, type Candidate, type Job, type JobResult } from './jobs.js';
import type { KeyedRun } from '../replay/keyed.js';
import { cost, metricsOf, smaller, type ShrinkMetrics } from './metrics.js';
import { realPerformanceNow, realSetImmediate } from '../core/real.js';
import { Inline, type Executor } from './pool.js';
import { showsAs, type ShrinkSame, type Sought } from './sought.js';

export type { Candidate } from './jobs.js';

export interface ShrinkBudget {
  /**
   * Limit on candidate runs. With it, shrinking is deterministic (the same runs, the same
   * result); without it, wall time (`wallMs`) is the limit.
   */
  maxRuns?: number;
  /** Limit on wall time in ms, used only when `maxRuns` is not given. Default 60,000. */
  wallMs?: number;
  /**
   * Limit on the steps all candidate runs take together. None by default: each candidate is
   * already cut off at a few times the original's length, and a Raft shrink at 5,000,000 stopped
   * after about 400 of its runs, long before its run or wall budget.
   */
  stepBudget?: number;
  /** Polled between candidates: true ends the search with the best run so far (a signal). */
  shouldStop?: () => boolean;
  /** Called every few candidates with the count so far and the best run (a progress line). */
  onProgress?: (p: { runs: number; best: ShrinkMetrics }) => void;
}

/** The default budget: about a minute of candidate runs (issue 16). */
export const DEFAULT_WALL_MS = 60_000;

/** Candidates between two turns of the event loop, so a signal handler gets to run. */
const BREATHE_EVERY = 16;

/** A job and what the search calls it (a position in its loop). */
export interface Tagged<T> {
  job: Job;
  tag: T;
}

/**
 * Results a sweep lets run ahead of the one it judges, per worker: two, so a worker that
 * finishes while the head is still running finds the next job waiting.
 */
const AHEAD_PER_WORKER = 2;

/** Matches no label, so a lenient replay takes its default there. */
export const NO_LABEL = '';

/**
 * Runs candidates within the budget and keeps two of them: `cur`, where the local passes work
 * (an iterated search may move it to a worse run), and `best`, the smallest run seen that
 * reproduces the failure sought (its kind and, by default, its signature). Nothing else is
 * retained between runs, so memory stays at a few runs' worth however many candidates are tried.
 */
export class Runner {
  runs = 0;
  stepsRun = 0;
  cur!: Candidate;
  best!: Candidate;
  before!: ShrinkMetrics;
  /**
   * The most steps a kept run may take: the original's, or more once the fault phase adopts a
   * run that lost faults and gained the deliveries they had stopped.
   */
  stepLimit = 0;
  /** Set by `init` from the original run's first violation. */
  sought!: Sought;
  private maxRuns: number;
  /** The part of the run and wall budget held back for the last check of the faults. */
  private readonly held: { runs: number; ms: number };
  private readonly stepBudget: number;
  /** Wall time past which the search stops, when wall time is the budget (allowed: it bounds the search, never a run). */
  private deadline: number;
  /** Candidates run with no trace, and cut off once they are longer than any run we could keep. */
  private spec: RunSpec;
  /** Where candidates run: inline, or on worker threads once `parallel` is given (pool.ts). */
  exec: Executor;

  constructor(private input: RunSpec & ShrinkBudget & { kind: string; same?: ShrinkSame }) {
    this.maxRuns = input.maxRuns ?? Infinity;
    this.stepBudget = input.stepBudget ?? Infinity;
    if (!(this.maxRuns >= 1)) throw new UsageError(`shrink: maxRuns must be at least 1, got ${input.maxRuns}`);
    const wall = input.maxRuns !== undefined ? Infinity : input.wallMs ?? DEFAULT_WALL_MS;
    if (!(wall > 0)) throw new UsageError(`shrink: wallMs must be positive, got ${input.wallMs}`);
    this.deadline = realPerformanceNow() + wall; // allowed: the wall-time budget limits the search, never read by a run
    this.held = { runs: 0, ms: 0 };
    if (!(this.stepBudget >= 1)) throw new UsageError(`shrink: stepBudget must be at least 1, got ${input.stepBudget}`);
    this.spec = { ...input, options: { ...input.options, traceWindow: 0, traceAll: false } };
    this.exec = new Inline(input);
  }

  /** The options every later run uses: a lighter workload the workload phase found (workload.ts). */
  get options(): RunOptions {
    return this.input.options;
  }

  set options(o: RunOptions) {
    this.input = { ...this.input, options: o };
    this.spec = { ...this.spec, options: { ...o, traceWindow: 0, traceAll: false } };
  }

  async init(decisions: readonly Decision[]): Promise<void> {
    const first = await this.run(decisions, true, this.input.options.maxSteps);
    if (first.kind !== this.input.kind) {
      throw new UsageError(`shrink: the run does not reproduce a ${this.input.kind} violation (its outcome: ${first.kind ?? 'pass'})`);
    }
    this.sought = { kind: this.input.kind, signature: this.input.same === 'kind' ? null : first.signature };
    this.cur = this.best = first;
    this.before = first.metrics;
    this.stepLimit = first.metrics.steps;
  }

  exhausted(): boolean {
    return this.runs >= this.maxRuns || this.stepsRun >= this.stepBudget || this.input.shouldStop?.() === true
      || (this.deadline !== Infinity && realPerformanceNow() >= this.deadline); // allowed: the wall-time budget
  }

  /**
   * Holds back a share of the budget until `release`: the list passes would otherwise spend all
   * of it, and the check that each remaining fault is essential would never run.
   */
  hold(share: number): void {
    this.held.runs = this.maxRuns === Infinity ? 0 : Math.floor(this.maxRuns * share);
    this.held.ms = this.deadline === Infinity ? 0 : (this.deadline - realPerformanceNow()) * share; // allowed: the wall-time budget
    this.maxRuns -= this.held.runs;
    this.deadline -= this.held.ms;
  }

  release(): void {
    this.maxRuns += this.held.runs;
    this.deadline += this.held.ms;
    this.held.runs = this.held.ms = 0;
  }

  /** Lets a signal handler run, and tells the caller how far the search has come. */
  private async breathe(): Promise<void> {
    await new Promise((r) => realSetImmediate(r)); // allowed: between candidate runs, never inside one
    if (this.best !== undefined) this.input.onProgress?.({ runs: this.runs, best: this.best.metrics });
  }

  /** The budget spent on one candidate run. */
  async charge(steps: number): Promise<void> {
    this.runs++;
    this.stepsRun += steps;
    if (this.runs % BREATHE_EVERY === 0) await this.breathe();
  }

  /** Makes `c` the current and best run: a run with fewer faults found by the fault phase. */
  adopt(c: Candidate): void {
    this.cur = this.best = c;
    this.stepLimit = Math.max(this.stepLimit, c.metrics.steps);
  }

  /**
   * A run longer than `cap` steps cannot be kept, so it stops there (as budget-exceeded, which
   * is never the kind sought unless the kind is that; then runs get their full length).
   */
  listJob(list: readonly Decision[], withOptions: boolean, cap: number): Job {
    const limit = this.input.kind === 'budget-exceeded' ? this.input.options.maxSteps : Math.min(cap, this.input.options.maxSteps);
    return { type: 'list', list, withOptions, options: { ...this.spec.options, maxSteps: Math.max(1, limit) } };
  }

  /** One candidate, run now and charged (no budget check: the caller decided to run it). */
  async run(list: readonly Decision[], withOptions: boolean, cap: number): Promise<Candidate> {
    return candidateOf(await this.one(this.listJob(list, withOptions, cap)));
  }

  /** The keyed run of `list` under `options` (keyed-replay.ts keyRun), not charged: a run without a network is no candidate. */
  async key(options: RunOptions, list: readonly Decision[]): Promise<KeyedRun> {
    return keyedOf(await this.exec.start({ type: 'key', list, options }));
  }

  private async one(job: Job): Promise<JobResult> {
    const res = await this.exec.start(job);
    await this.charge(res.steps);
    return res;
  }

  /**
   * Runs `jobs` as a loop would that checks the budget before each run and stops where `take`
   * says so: each result is charged, then shown to `take`, in the jobs' order, until `take`
   * returns true (that job's tag is returned) or the budget or the jobs run out (null). On
   * worker threads the next jobs run while the head is judged; those after the one `take`
   * stops at are dropped uncharged, so the runs counted, and with them the result for a
   * budget in runs, are the sequential loop's at any number of workers. `take` must change
   * nothing the jobs still to come are made from unless it returns true, and must reject a
   * result whose first violation is not the failure sought (such a result may come back slim).
   */
  async sweep<T>(jobs: Iterable<Tagged<T>>, take: (res: JobResult, tag: T) => boolean): Promise<T | null> {
    const it = jobs[Symbol.iterator]();
    const ahead: { p: Promise<JobResult>; tag: T }[] = [];
    let more = true;
    try {
      for (;;) {
        while (more && ahead.length < this.exec.width * AHEAD_PER_WORKER && ahead.length < this.maxRuns - this.runs && !this.exhausted()) {
          const n = it.next();
          if (n.done === true) more = false;
          else ahead.push({ p: this.exec.start(n.value.job, this.sought), tag: n.value.tag });
        }
        const head = ahead.shift();
        if (head === undefined || this.exhausted()) return null;
        const res = await head.p;
        await this.charge(res.steps);
        if (take(res, head.tag)) return head.tag;
      }
    } finally {
      for (const a of ahead) this.exec.drop(a.p);
    }
  }

  /**
   * Tries lists in order as `attempt` would one by one, until one becomes `cur`; its tag, or
   * null. `each` sees the tag of every list that ran.
   */
  firstAccepted<T>(lists: Iterable<{ list: readonly Decision[]; tag: T }>, each?: (tag: T) => void): Promise<T | null> {
    const r = this;
    function* jobs(): Generator<Tagged<T>> {
      for (const l of lists) yield { job: r.listJob(l.list, false, r.capBelow(r.cur.metrics)), tag: l.tag };
    }
    return this.sweep(jobs(), (res, tag) => {
      each?.(tag);
      return this.consider(candidateOf(res));
    });
  }

  /** The most steps a run smaller than `than` can take, and never more than the original. */
  capBelow(than: ShrinkMetrics): number {
    return Math.min(this.stepLimit, cost(than));
  }

  /** Runs a candidate; it becomes `cur` when it reproduces the failure and is smaller. */
  async attempt(list: readonly Decision[]): Promise<boolean> {
    return (await this.firstAccepted([{ list, tag: true }])) !== null;
  }

  consider(c: Candidate): boolean {
    if (!this.reproduces(c) || !smaller(c.metrics, this.cur.metrics)) return false;
    this.cur = c;
    if (smaller(c.metrics, this.best.metrics)) this.best = c;
    return true;
  }

  reproduces(c: Candidate): boolean {
    return this.shows(c) && c.metrics.steps <= this.stepLimit;
  }

  /** The candidate's first violation is the failure sought, whatever its length. */
  shows(c: Candidate): boolean {
    return showsAs(c.kind, c.signature, this.sought);
  }

  /** `cur` with every decision's offered labels (one more run when its log lacks them). */
  async curWithOptions(): Promise<Candidate> {
    if (this.cur.withOptions || this.exhausted()) return this.cur;
    const again = await this.run(this.cur.list, true, this.input.options.maxSteps);
    if (again.decisionHash !== this.cur.decisionHash) {
      throw new Error('shrink: a candidate did not replay to the same run (nondeterministic target?)');
    }
    const c = { ...this.cur, log: again.log, withOptions: true };
    if (this.best === this.cur) this.best = c;
    this.cur = c;
    return c;
  }

  /** The final run, with the caller's options (trace window and all). */
  async final(): Promise<{ list: Decision[]; result: RunResult; metrics: ShrinkMetrics }> {
    const r = await runDecisions(this.input, this.best.list, { mode: 'lenient' });
    return { list: r.result.decisions, result: r.result, metrics: metricsOf(r.result, r.log) };
  }
}
