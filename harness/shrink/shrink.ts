import type { RunOptions } from '../engine/options.js';
import type { RunResult } from '../engine/execute.js';
import type { Decision } from '../strategies/replay.js';
import type { RunSpec } from '../replay/run-decisions.js';
import { smaller, type ShrinkMetrics } from './metrics.js';
import { dropChunks, faultsOff, normalize, removeCaused, removePreemptionPairs, removePreemptions, truncate, tryAlternatives } from './passes.js';
import { FAULT_PHASE_STEPS, essentialOf, minimizeFaults, type EssentialFault, type FaultPhase } from './faults.js';
import { Runner, type ShrinkBudget } from './runner.js';
import { boundedSearch, iteratedSearch } from './search.js';
import { changes, lightenWorkload, type WorkloadChange } from './workload.js';
import { shortenSuffix } from './suffix.js';
import { compressTime } from './compress.js';
import { ShrinkPool } from './pool.js';
import { UsageError } from '../core/errors.js';
import { signatureOf } from '../core/signature.js';
import { shows, type ShrinkSame } from './sought.js';

/** Where a network run's candidates run (`--jobs`, `--stall-ms`, `--max-heap-mb`). */
export interface ShrinkWorkers {
  /**
   * Worker threads for the candidates of a network run (`--jobs`; default 1, all inline). The
   * result for a budget in runs does not depend on it (Runner.sweep). Needs `targetRef`.
   */
  jobs?: number;
  /** The target as a worker loads it: a bundled name or a path. */
  targetRef?: string;
  /** Wall ms a candidate's step may run on a worker before it is suspected; stopped at 4×. */
  stallMs?: number;
  /** Heap per worker, MB. */
  maxHeapMb?: number;
}

export interface ShrinkInput extends RunSpec, ShrinkBudget, ShrinkWorkers {
  /** The failing run's decisions (RunResult.decisions). */
  decisions: readonly Decision[];
  /** The violation kind every accepted candidate must reproduce (as its first violation). */
  kind: string;
  /**
   * `signature` (the default): a candidate counts only when its first violation has the
   * original's signature too (core/signature.ts), so a shrink never slides to another bug of
   * the kind. `kind`: any failure of the kind counts (`--shrink-same kind`).
   */
  same?: ShrinkSame;
}

export interface ShrinkResult {
  /** The decisions the final lenient replay actually made: they replay strictly. */
  decisions: Decision[];
  /** That final run. */
  result: RunResult;
  /** Its first violation's signature: the original's, unless `same` was `kind`. */
  signature: string;
  /**
   * The options it replays under: the input's, with a lighter workload when the workload phase
   * found one (a schedule file must record these, not the input's).
   */
  options: RunOptions;
  /** The workload knobs the workload phase moved toward their calm end, in name order. */
  lightened: WorkloadChange[];
  before: ShrinkMetrics;
  after: ShrinkMetrics;
  /** Candidate runs made. */
  runs: number;
  /** Steps those runs took together. */
  stepsRun: number;
  /** False when the run or step budget stopped shrinking before it was done. */
  complete: boolean;
  /**
   * A network run's faults that remain, in order; null for a run without a network. When
   * `faultsMinimal`, removing any one of them (under every try) loses the violation.
   */
  essentialFaults: EssentialFault[] | null;
  faultsMinimal: boolean;
  /** Not minimal because a fault can go at the price of a longer run (not because the budget ran out). */
  faultsRemovable: boolean;
  /** Worker threads the candidates ran on; 0 when they ran on this thread. */
  workers: number;
}

/**
 * Minimizes a failing run: delta-debugging passes to a fixpoint (passes.ts), then bounded searches
 * of up to two deviations around the best run and from the default schedule, rounds repeated while
 * they help, then an iterated local search from the best run (search.ts). A candidate
 * counts only if the same failure comes first (its kind and, unless `same` is `kind`, its
 * signature) and the run is smaller (metrics.ts).
 * Deterministic: no unseeded randomness, a fixed pass order. Memory holds a few runs at a time.
 */
export async function shrink(input: ShrinkInput): Promise<ShrinkResult> {
  const r = new Runner(input);
  await r.init(input.decisions);
  // A thread run's candidates take well under a millisecond: handing them to a worker would
  // cost more than running them.
  const jobs = input.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`shrink: jobs must be a positive integer, got ${input.jobs}`);
  if (jobs > 1 && input.targetRef !== undefined && r.best.network) {
    r.exec = new ShrinkPool(input, { targetRef: input.targetRef, workers: jobs, ...(input.stallMs !== undefined ? { stallMs: input.stallMs } : {}), ...(input.maxHeapMb !== undefined ? { maxHeapMb: input.maxHeapMb } : {}) });
  }
  try {
    return await search(r, input);
  } finally {
    await r.exec.close();
  }
}

async function search(r: Runner, input: ShrinkInput): Promise<ShrinkResult> {
  // A network run first sheds client load its bug does not need (workload.ts): every later
  // candidate is then shorter, and so is the story.
  const spec = (): RunSpec => ({ ...input, options: r.options });
  await lighten(r, spec(), input.decisions);
  // A network run then loses the faults it does not need, as units (faults.ts): the list passes
  // below cannot remove one fault without losing the run.
  r.hold(AFTER_FAULTS_SHARE);
  let phase = await minimizeFaults(r, spec(), r.best.list, r.sought);
  r.release();
  if (phase !== null) {
    await adopt(r, phase);
    // Held before compression, which goes on while it helps and could spend the rest.
    r.hold(FINAL_CHECK_SHARE);
    // Without the faults it needed no more, the bug may need less load too.
    await lighten(r, spec(), r.best.list);
    // Each compression that helps may open new gaps to cut (one call's cuts are capped).
    for (let again = true; again;) again = await adoptShorter(r, await compressTime(r, spec(), r.best.list, r.sought, phase.actors));
    await adoptShorter(r, await shortenSuffix(r, spec(), r.best.list, r.sought, phase.actors));
  }
  await descend(r, true);
  while (!r.exhausted()) {
    const was = r.best.metrics;
    if (!(await boundedSearch(r, r.best.list)) && !(await boundedSearch(r, []))) break;
    r.cur = r.best;
    await descend(r, true);
    // A run that is only closer to the default is kept, but not worth another round of search.
    if (!smaller({ ...r.best.metrics, decisions: 0, deviations: 0 }, { ...was, decisions: 0, deviations: 0 })) break;
  }
  if (!r.exhausted()) await iteratedSearch(r, `${input.target.name}/${input.variant}/${input.seed}`, (x) => descend(x, false));
  let stopped = r.exhausted();
  if (phase !== null) {
    r.release();
    // The list passes may have let a fault go unneeded: each one left is tried away once more,
    // which is also the check that what is reported as essential is.
    phase = await finalCheck(r, spec(), phase);
  }
  stopped ||= r.exhausted();
  const final = await r.final();
  const v = final.result.violations[0];
  if (v === undefined || !shows(v, r.sought) || final.result.decisionHash !== r.best.decisionHash) {
    throw new Error('shrink: the shrunk schedule did not replay to the same run (nondeterministic target?)');
  }
  return {
    decisions: final.list, result: final.result, signature: signatureOf(v), options: r.options, lightened: changes(input.options, r.options), before: r.before, after: final.metrics,
    runs: r.runs, stepsRun: r.stepsRun, complete: !stopped,
    essentialFaults: phase === null ? null : essentialOf(phase.units),
    faultsMinimal: phase?.minimal === true,
    faultsRemovable: phase?.removable === true,
    workers: r.exec instanceof ShrinkPool ? r.exec.width : 0,
  };
}

/**
 * The share of the budget the fault phase leaves for what follows it: on a long Raft run its
 * ddmin alone can spend any budget, and the passes after it are the ones that cut steps.
 */
const AFTER_FAULTS_SHARE = 0.2;

/** The share of the budget the list passes leave for the final check of the faults. */
const FINAL_CHECK_SHARE = 0.1;

/** The fault phase's run becomes the one the list passes start from, when it has fewer faults. */
async function adopt(r: Runner, phase: FaultPhase): Promise<void> {
  const c = await r.run(phase.list, false, FAULT_PHASE_STEPS * r.before.steps);
  if (r.shows(c) && c.metrics.faults < r.best.metrics.faults) r.adopt(c);
}

/**
 * The last check of the faults, from the best run. A run it finds with fewer faults replaces
 * the best only when it is smaller in the shrinker's order: fewer faults can take a longer way to
 * the violation (on `vote-not-persisted` seed 163 a compressed run of 2,022 steps gave way to one
 * of 4,075 with fewer faults). When it does not, the faults reported are the best run's, and
 * they are not 1-minimal: one of them can go, at the price of a longer run.
 */
async function finalCheck(r: Runner, spec: RunSpec, phase: FaultPhase): Promise<FaultPhase> {
  const last = await minimizeFaults(r, spec, r.best.list, r.sought, phase.actors, phase);
  if (last === null) return phase;
  if (last.units.length === last.start.length) return last;
  const c = await r.run(last.list, false, FAULT_PHASE_STEPS * r.before.steps);
  if (r.shows(c) && smaller(c.metrics, r.best.metrics)) {
    r.adopt(c);
    return last;
  }
  return { ...last, list: r.best.list, units: last.start, minimal: false, removable: true };
}

/** A lighter workload's run, when one shows the violation, becomes the current and best run. */
async function lighten(r: Runner, spec: RunSpec, list: readonly Decision[]): Promise<void> {
  const light = await lightenWorkload(r, spec, list, r.sought);
  if (light === null) return;
  r.options = light.spec.options;
  const c = await r.run(light.list, false, r.options.maxSteps);
  if (!r.shows(c)) throw new Error('shrink: a lighter workload\'s run did not replay to the same violation (nondeterministic target?)');
  r.adopt(c);
}

/**
 * A run that reaches the violation sooner (compress.ts, suffix.ts: no more injected faults)
 * becomes the best when it is smaller in the shrinker's order. Not "no more fault-log entries":
 * faults moved earlier bring their heals and restarts before the violation with them, and on
 * `vote-not-persisted` seed 281 that one more entry threw away a compression from 4,151 to
 * 2,593 steps. Whether it did.
 */
async function adoptShorter(r: Runner, list: Decision[] | null): Promise<boolean> {
  if (list === null) return false;
  const c = await r.run(list, false, r.options.maxSteps);
  if (!r.shows(c) || c.metrics.steps >= r.best.metrics.steps || !smaller(c.metrics, r.best.metrics)) return false;
  r.adopt(c);
  return true;
}

/** Cheap passes until none helps; `thorough` adds the costly ones at each fixpoint. */
async function descend(r: Runner, thorough: boolean): Promise<void> {
  let progress = true;
  while (progress && !r.exhausted()) {
    progress = false;
    if (await truncate(r)) progress = true;
    if (await dropChunks(r)) progress = true;
    if (await removePreemptions(r)) progress = true;
    if (await removeCaused(r)) progress = true;
    if (await faultsOff(r)) progress = true;
    if (!progress && (await normalize(r))) progress = true;
    if (!progress && thorough && (await removePreemptionPairs(r))) progress = true;
    if (!progress && thorough && (await tryAlternatives(r))) progress = true;
  }
}
