// The campaign loop: resolve, fit, then every (variant, seed) inline or in watched workers,
// folded into a tally as results arrive.
import type { RunResult } from '../engine/execute.js';
import { UsageError } from '../core/errors.js';
import { replayCommand } from '../replay/command.js';
import { DEFAULT_MAX_FAILURE_FILES, DEFAULT_MAX_FAILURES, Tally, entryOf, type ExploreResult, type SeedEntry } from './tally.js';
import type { SeedSeq } from './seeds.js';
import { runSupervised } from './parallel.js';
import { Distinct } from './distinct.js';
import { StateSet } from '../cover/sketch.js';
import { finishGuide, guidedReplayCommand, learnArrival, startGuide } from './guide.js';
import { catchRejections, runGroup, type GroupItem } from '../workers/boundary.js';
import { fittedStrategies, optionsFor, resolveExplore, seedList, strategyFor, type ExploreOptions, type Resolved } from './resolve.js';
import { fitExplore } from './pilot.js';
import { runSeed } from './seed-run.js';

/**
 * Runs every (variant, seed) pair and gathers what the CLI prints: violations by kind,
 * failures with their replay commands, the counts. The CLI is a thin layer over this.
 *
 * The order is seed-major: seed 1 of every variant, then seed 2 of every variant, … so an
 * interrupted campaign has covered each variant alike. onResult, onEntry, `failures` and
 * `hashes` follow it, at any --jobs.
 */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const r = await resolveExplore(o);
  const seeds = seedList(o.seeds);
  await fitExplore(r, o);
  const out = emptyResult(r);
  const tally = tallyFor(r, out, o);
  const keep = o.keepRuns === true;
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}`);
  const total = seeds.length * r.variants.length;
  // Positions are plain numbers: past 2^53 two of them would be one.
  if (!Number.isSafeInteger(total)) throw new UsageError(`${seeds.length} seeds × ${r.variants.length} variants is past 2^53 runs: give fewer seeds`);
  const resumed = o.resumed ?? new Map<number, SeedEntry>();
  for (const i of resumed.keys()) if (!(Number.isSafeInteger(i) && i >= 0 && i < total)) throw new UsageError(`resumed seed index ${i} is outside this campaign (${total} runs)`);
  const broken = new BrokenSetup(r.variants, seeds.length, resumed);
  if (o.shouldStop?.() === true) return stoppedAtStart(out, tally, resumed, o);
  if (o.guideDir !== undefined && r.strategy.name !== 'guided') throw new UsageError('--guide-dir keeps the corpus of --strategy guided: add --strategy guided');
  const guide = r.strategy.name === 'guided'
    ? startGuide(r.target.name, Object.fromEntries(r.variants.map((v) => [v, optionsFor(r, v).commandOptions])), o.guideDir) : null;
  if (guide !== null) r.guide = guide.corpus;
  // Resumed entries are folded in the campaign's order, between the fresh results around them.
  let next = 0;
  const foldResumedBelow = (limit: number): void => {
    for (; next < limit; next++) {
      const e = resumed.get(next);
      if (e !== undefined) tally.add(e, undefined, false);
    }
  };
  const budgeted = o.untilFail === true || o.stopDrawing !== undefined;
  const failedAt = (i: number): boolean => resumed.get(i)?.k !== undefined;
  let end = total;
  let stoppedBy: 'failure' | 'time' | null = null;
  const fold = (res: RunResult, i: number): void => {
    foldResumedBelow(i);
    const e = entryOf(res, i);
    const f = tally.add(e, res, keep);
    next = i + 1;
    o.onEntry?.(e, res, f);
    o.onResult?.(res, i, total);
  };
  const stopped = (): void => {
    // Resumed entries past the stop still count: they ran, in an earlier process.
    for (const e of [...resumed.values()].filter((x) => x.i >= next).sort((a, b) => a.i - b.i)) tally.add(e, undefined, false);
  };
  if (typeof o.target !== 'string' || o.inline === true) {
    if (jobs > 1) throw new UsageError('--jobs needs a target given by name or path: a Target object cannot cross threads');
    const done = await exploreInline(o, r, seeds, broken, resumed, fold, failedAt);
    if (done.interrupted) out.interrupted = true;
    end = done.end;
    stoppedBy = done.stoppedBy;
  } else try {
    const perVariant = Object.fromEntries(r.variants.map((variant) => {
      const v = optionsFor(r, variant);
      return [variant, { ...v.commandOptions, traceWindow: v.options.traceWindow, checkDeterminism: r.checkDeterminism }];
    }));
    const done = await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: r.variants, seeds, strategy: r.strategy, strategies: fittedStrategies(r),
      exploreOptions: perVariant[r.variants[0]!]!, perVariant,
      jobs, keepPassingDetail: keep, collect: false,
      // The journal's entries are the positions to skip: read in place, not copied into a Set.
      skip: { has: (i: number) => resumed.has(i), size: resumed.size, [Symbol.iterator]: () => resumed.keys() },
      onArrival: (res, i) => {
        broken.see(i, res);
        if (guide !== null) learnArrival(guide, res);
      },
      ...(guide !== null ? { guide: guide.loaded } : {}),
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
      ...(o.shouldStop !== undefined ? { shouldStop: o.shouldStop } : {}),
      ...(o.onNote !== undefined ? { onNote: o.onNote } : {}),
      ...(o.untilFail === true ? { untilFail: true, skipFailed: failedAt } : {}),
      ...(o.stopDrawing !== undefined ? { stopDrawing: o.stopDrawing } : {}),
      onResult: fold,
    });
    if (done.interrupted) out.interrupted = true;
    end = done.end;
    stoppedBy = done.stoppedBy ?? null;
  } catch (e) {
    // An internal error ends the pool: what ran so far goes with it, as an interrupted result,
    // for the report the command still writes (partialResultOf).
    if (e instanceof Error && !(e instanceof UsageError)) {
      out.interrupted = true;
      stopped();
      Object.defineProperty(e, PARTIAL, { value: out, enumerable: false });
    }
    throw e;
  }
  if (out.interrupted !== true && end < total) {
    // A budget ended the list at `end`: resumed entries past it are not part of this result.
    foldResumedBelow(end);
    delete out.interrupted;
  } else if (out.interrupted === true) {
    stopped();
  } else {
    foldResumedBelow(total);
    delete out.interrupted;
  }
  if (budgeted) {
    let reached = next;
    if (out.interrupted === true) for (const i of resumed.keys()) reached = Math.max(reached, i + 1);
    const covered = Math.floor((out.interrupted === true ? reached : end) / r.variants.length);
    out.budget = { seeds: covered, lastSeed: covered > 0 ? seeds.at(covered - 1)! : null, stoppedBy };
  }
  if (guide !== null) {
    const file = finishGuide(guide);
    out.guide = { entries: guide.corpus.size(), loaded: guide.loaded.length, statesSeen: guide.corpus.statesSeen(), file };
  }
  return out;
}

/** A signal came while the campaign started (loading, fitting): no run starts; what a resumed
 * journal holds is the result, interrupted. */
function stoppedAtStart(out: ExploreResult, tally: Tally, resumed: ReadonlyMap<number, SeedEntry>, o: ExploreOptions): ExploreResult {
  for (const e of [...resumed.values()].sort((a, b) => a.i - b.i)) tally.add(e, undefined, false);
  out.interrupted = true;
  if (o.untilFail === true || o.stopDrawing !== undefined) out.budget = { seeds: 0, lastSeed: null, stoppedBy: null };
  return out;
}

const PARTIAL = Symbol('partial result');

/** The runs made before an internal error ended explore() (an interrupted result), if any. */
export function partialResultOf(e: unknown): ExploreResult | undefined {
  return e instanceof Error ? (e as Error & { [PARTIAL]?: ExploreResult })[PARTIAL] : undefined;
}

/** The (variant, seed) at a position of the seed-major order. */
export function itemOf(variants: readonly string[], seeds: SeedSeq, i: number): { variant: string; seed: string } {
  return { variant: variants[i % variants.length]!, seed: seeds.at(Math.floor(i / variants.length))! };
}

/** A Target object (or `inline`): this thread runs every seed, and nothing watches it. `end`:
 * the positions covered, short of the total when a budget stopped it (as runSupervised's). */
async function exploreInline(o: ExploreOptions, r: Resolved, seeds: SeedSeq, broken: BrokenSetup, resumed: ReadonlyMap<number, SeedEntry>, fold: (res: RunResult, i: number) => void, failedAt: (i: number) => boolean): Promise<{ interrupted: boolean; end: number; stoppedBy: 'failure' | 'time' | null }> {
  const stopCatching = catchRejections();
  const item = (i: number): GroupItem => {
    const { variant, seed } = itemOf(r.variants, seeds, i);
    return { ignore: optionsFor(r, variant).options.ignore, run: () => namingSeed(runSeed(r, variant, seed), variant, seed) };
  };
  const n = r.variants.length;
  const seedEnd = (i: number): number => (Math.floor(i / n) + 1) * n;
  try {
    const total = seeds.length * n;
    let end = total;
    let stoppedBy: 'failure' | 'time' | null = null;
    if (o.untilFail === true) {
      for (const i of resumed.keys()) if (failedAt(i) && (seedEnd(i) < end || (seedEnd(i) === end && stoppedBy !== 'failure'))) [end, stoppedBy] = [seedEnd(i), 'failure'];
    }
    // Under a budget, groups end at a seed's end, so a stop never splits a seed's variants.
    const group = o.untilFail === true || o.stopDrawing !== undefined ? Math.max(1, Math.floor(INLINE_GROUP / n)) * n : INLINE_GROUP;
    for (let from = 0; from < end; from += group) {
      if (o.shouldStop?.() === true) return { interrupted: true, end, stoppedBy };
      if (stoppedBy === null && o.stopDrawing?.() === true) {
        let at = from;
        while (at < end && resumed.has(at)) at++;
        // The first seed always runs, as in runSupervised.
        at = at % n === 0 && at > 0 ? at : seedEnd(at);
        if (at < end) [end, stoppedBy] = [at, 'time'];
        if (from >= end) break;
      }
      const idx: number[] = [];
      for (let i = from; i < Math.min(end, from + group); i++) if (!resumed.has(i)) idx.push(i);
      const runs = await runGroup(idx.map(item));
      idx.forEach((i, k) => broken.see(i, runs[k]!));
      if (o.untilFail === true) {
        const k = runs.findIndex((x) => x.outcome === 'violation');
        if (k >= 0 && (seedEnd(idx[k]!) < end || (seedEnd(idx[k]!) === end && stoppedBy !== 'failure'))) [end, stoppedBy] = [seedEnd(idx[k]!), 'failure'];
      }
      idx.forEach((i, k) => {
        if (i < end) fold(runs[k]!, i);
      });
    }
    return { interrupted: false, end, stoppedBy };
  } finally {
    stopCatching();
  }
}

/** An internal error says which seed it was running (exit 3 names it). */
async function namingSeed<T>(p: Promise<T>, variant: string, seed: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof UsageError || !(e instanceof Error)) throw e;
    e.message = `while running ${variant} seed ${seed}: ${e.message}`;
    throw e;
  }
}

/** Seeds between two turns of the event loop inline: signals and progress get through that often. */
const INLINE_GROUP = 64;

/**
 * A setup that throws the same error on the first seed of every variant is a broken target,
 * not a finding: hundreds of identical `uncaught-error` reports would bury the one message
 * that matters. The campaign stops with that message, as bad input (exit 2).
 */
class BrokenSetup {
  /** The first seed of each variant: the first positions of the seed-major order. */
  readonly indices: number[];
  private readonly messages = new Map<number, string | null>();

  constructor(private readonly variants: readonly string[], n: number, resumed: ReadonlyMap<number, SeedEntry>) {
    // A resumed campaign got past its first seeds: its target loaded and ran.
    this.indices = n === 0 || resumed.size > 0 ? [] : variants.map((_v, k) => k);
  }

  see(i: number, res: RunResult): void {
    if (!this.indices.includes(i)) return;
    const v = res.violations[0];
    this.messages.set(i, v !== undefined && v.kind === 'uncaught-error' && v.actors[0] === 'setup' && v.message.startsWith('setup threw') ? v.message : null);
    if (this.messages.size < this.indices.length) return;
    const all = [...this.messages.values()];
    const first = all[0];
    if (typeof first !== 'string' || !all.every((m) => m === first)) return;
    const which = this.variants.length === 1 ? `variant ${this.variants[0]}` : `each of its ${this.variants.length} variants`;
    throw new UsageError(`target ${res.target} is broken, not buggy: on the first seed of ${which} its setup threw the same error, so nothing was explored: ${first.replace(/^setup threw: /, '')}`);
  }
}

export function emptyResult(r: Resolved): ExploreResult {
  const zero = (): Record<string, number> => Object.fromEntries(r.variants.map((v) => [v, 0]));
  return {
    target: r.target.name,
    targetRef: r.targetRef,
    variants: r.variants,
    strategy: r.strategy,
    strategyByVariant: fittedStrategies(r),
    options: r.commandOptions,
    runs: 0,
    violationsByKind: {},
    violationsByVariant: {},
    virtualMs: 0,
    faultsByKind: {},
    distinct: new Distinct(),
    states: new StateSet(),
    passesByVariant: zero(),
    failuresByVariant: zero(),
    failures: [],
    firstFailure: null,
    hashes: [],
    steps: 0,
    maxTasks: 0,
    runsBeyondK: 0,
    runsBeyondKByVariant: zero(),
    weatherStats: {},
    maxFailureFiles: DEFAULT_MAX_FAILURE_FILES,
  };
}

/** The fold a campaign's results go through (live, or read back from a journal). */
export function tallyFor(r: Resolved, out: ExploreResult, o: Pick<ExploreOptions, 'hashes' | 'maxFailures' | 'maxFailureFiles' | 'reportDir'>): Tally {
  const limits = {
    hashes: o.hashes === true,
    maxFailures: o.maxFailures ?? DEFAULT_MAX_FAILURES,
    maxFailureFiles: o.maxFailureFiles ?? DEFAULT_MAX_FAILURE_FILES,
  };
  if (!(Number.isSafeInteger(limits.maxFailures) && limits.maxFailures >= 0)) throw new UsageError(`maxFailures must be an integer >= 0, got ${limits.maxFailures}`);
  if (!(Number.isSafeInteger(limits.maxFailureFiles) && limits.maxFailureFiles >= 0)) throw new UsageError(`--max-failure-files must be an integer >= 0, got ${limits.maxFailureFiles}`);
  return new Tally(out, limits, (variant, seed, file) => r.strategy.name === 'guided' ? guidedReplayCommand(o.reportDir, file)
    : replayCommand(r.targetRef, variant, seed, strategyFor(r, variant, seed), optionsFor(r, variant).commandOptions),
    (variant, seed) => strategyFor(r, variant, seed));
}
