import type { RunResult } from '../core/execute.js';
import { UsageError } from '../sched/index.js';
import type { DecisionInfo } from '../sched/recording.js';
import { DRAW_DEFAULT, type Decision } from '../sched/replay.js';
import { runDecisions, violationKind, type RunSpec } from '../schedule/run.js';
import { metricsOf, smaller, type ShrinkMetrics } from './metrics.js';

export interface ShrinkInput extends RunSpec {
  /** The failing run's decisions (RunResult.decisions). */
  decisions: readonly Decision[];
  /** The violation kind every accepted candidate must reproduce (as its first violation). */
  kind: string;
  /** Limit on candidate runs; shrinking stops with the best found so far. Default 10000. */
  maxRuns?: number;
}

export interface ShrinkResult {
  /** The decisions the final lenient replay actually made: they replay strictly. */
  decisions: Decision[];
  /** That final run. */
  result: RunResult;
  before: ShrinkMetrics;
  after: ShrinkMetrics;
  /** Candidate runs made. */
  runs: number;
  /** False when maxRuns stopped shrinking before a fixpoint. */
  complete: boolean;
}

interface Best {
  list: Decision[];
  log: DecisionInfo[];
  metrics: ShrinkMetrics;
  result: RunResult;
  /** For bounded search: the decision index of the candidate's last deviation from the default. */
  deviatedAt: number;
}

/** Deviations from the default schedule the bounded search tries at most. */
const SEARCH_LEVELS = 2;

/**
 * Minimizes a failing run in the spirit of delta debugging (Zeller and Hildebrandt, TSE 2002):
 * candidates edit the decision list and are replayed leniently (a decision that no longer
 * applies falls back to "run the current task on"); one counts only if the same violation kind
 * comes first and the run is smaller (metrics.ts). Deterministic: no randomness, fixed pass order.
 */
export async function shrink(input: ShrinkInput): Promise<ShrinkResult> {
  const s = new Shrinker(input);
  await s.init();
  do {
    await localPasses(s);
  } while (!s.exhausted() && (await s.boundedSearch()));
  return s.finish();
}

/** Cheap edits of the current best until none helps. */
async function localPasses(s: Shrinker): Promise<void> {
  let progress = true;
  while (progress && !s.exhausted()) {
    progress = false;
    if (await s.truncate()) progress = true;
    if (await s.dropChunks()) progress = true;
    if (await s.removePreemptions()) progress = true;
    if (await s.faultsOff()) progress = true;
    if (!progress && (await s.removePreemptionPairs())) progress = true;
    if (!progress && (await s.tryAlternatives())) progress = true;
  }
}

class Shrinker {
  private runs = 0;
  private best!: Best;
  private before!: ShrinkMetrics;
  private readonly maxRuns: number;

  constructor(private readonly input: ShrinkInput) {
    this.maxRuns = input.maxRuns ?? 10_000;
    if (!(this.maxRuns >= 1)) throw new UsageError(`shrink: maxRuns must be at least 1, got ${input.maxRuns}`);
  }

  async init(): Promise<void> {
    const first = await this.run(this.input.decisions);
    const kind = violationKind(first.result);
    if (kind !== this.input.kind) {
      throw new UsageError(`shrink: the run does not reproduce a ${this.input.kind} violation (its outcome: ${kind ?? 'pass'})`);
    }
    this.best = first;
    this.before = first.metrics;
  }

  exhausted(): boolean {
    return this.runs >= this.maxRuns;
  }

  private async run(list: readonly Decision[]): Promise<Best> {
    this.runs++;
    const r = await runDecisions(this.input, list, { mode: 'lenient' }, true);
    return { list: r.result.decisions.slice(), log: r.log, metrics: metricsOf(r), result: r.result, deviatedAt: -1 };
  }

  /** Runs a candidate; keeps it when it reproduces the kind and is smaller. */
  private async attempt(list: readonly Decision[]): Promise<boolean> {
    if (this.exhausted()) return false;
    return this.consider(await this.run(list));
  }

  private consider(c: Best): boolean {
    if (violationKind(c.result) !== this.input.kind) return false;
    if (!smaller(c.metrics, this.best.metrics) || c.metrics.steps > this.before.steps) return false;
    this.best = c;
    return true;
  }

  /** Shortest prefix that still fails, by bisection (the defaults finish the run). */
  async truncate(): Promise<boolean> {
    let lo = 0;
    let hi = this.best.list.length;
    let any = false;
    while (lo < hi && !this.exhausted()) {
      const mid = (lo + hi) >> 1;
      const base = this.best.list;
      if (await this.attempt(base.slice(0, mid))) {
        any = true;
        hi = Math.min(mid, this.best.list.length);
      } else {
        lo = mid + 1;
      }
    }
    return any;
  }

  /** Removes chunks of halves, quarters, ... single decisions. */
  async dropChunks(): Promise<boolean> {
    let any = false;
    for (let size = this.best.list.length >> 1; size >= 1; size >>= 1) {
      let i = 0;
      while (i < this.best.list.length && !this.exhausted()) {
        const l = this.best.list;
        if (await this.attempt([...l.slice(0, i), ...l.slice(i + size)])) any = true;
        else i += size;
      }
    }
    return any;
  }

  /** A step that switched away from a runnable task becomes "run that task on". */
  async removePreemptions(): Promise<boolean> {
    let any = false;
    for (let i = 0; i < this.best.log.length && !this.exhausted(); i++) {
      const d = this.best.log[i]!;
      if (!d.preemption || d.current === null) continue;
      const l = this.best.list.slice();
      l[i] = d.current;
      if (await this.attempt(l)) any = true;
    }
    return any;
  }

  /**
   * Two preemptions at once: switching away and switching back often only work as a pair, so
   * neither can go alone. Quadratic in the preemptions left, which are few by now.
   */
  async removePreemptionPairs(): Promise<boolean> {
    const log = this.best.log;
    const at = log.flatMap((d, i) => (d.preemption && d.current !== null ? [i] : []));
    for (let a = 0; a < at.length; a++) {
      for (let b = a + 1; b < at.length && !this.exhausted(); b++) {
        const l = this.best.list.slice();
        l[at[a]!] = log[at[a]!]!.current!;
        l[at[b]!] = log[at[b]!]!.current!;
        if (await this.attempt(l)) return true;
      }
    }
    return false;
  }

  /**
   * Local edits can stall at a few preemptions more than needed (removing any one of them loses
   * the bug; the smaller schedule interleaves differently). So, as CHESS does with iterative
   * preemption bounding, search outright: schedules that follow the default (run the current
   * task on) except at up to `level` decisions, for level = 0, 1, 2, below the preemptions left.
   * A schedule with one deviation at decision i is a run's first i decisions plus one other
   * option; the lenient replay's defaults do the rest.
   */
  async boundedSearch(): Promise<boolean> {
    const start = this.best;
    let frontier: Best[] = [];
    const root = await this.candidate([]);
    if (root === null) return false;
    frontier.push(root);
    // A deviation past the original run's length cannot give a run no longer than it.
    const horizon = this.before.decisions;
    for (let level = 1; level <= SEARCH_LEVELS && level <= this.best.metrics.preemptions; level++) {
      const next: Best[] = [];
      for (const parent of frontier) {
        const from = parent.deviatedAt + 1;
        for (let i = from; i < Math.min(parent.log.length, horizon); i++) {
          const d = parent.log[i]!;
          if (d.options === null || d.options.length < 2) continue;
          for (const alt of [...d.options].sort()) {
            if (alt === d.value) continue;
            if (this.exhausted() || level > this.best.metrics.preemptions) return this.best !== start;
            const c = await this.candidate([...parent.list.slice(0, i), alt], i);
            if (c !== null) next.push(c);
          }
        }
      }
      frontier = next;
    }
    return this.best !== start;
  }

  /** Runs one search candidate: offered to `attempt`'s rule, and kept as a parent if it ran. */
  private async candidate(list: Decision[], deviatedAt = -1): Promise<Best | null> {
    if (this.exhausted()) return null;
    const c = await this.run(list);
    c.deviatedAt = deviatedAt;
    this.consider(c);
    return c;
  }

  /**
   * Each step or choice in turn becomes each other option it had: this moves a preemption to
   * where fewer are needed, which removing one alone cannot do. Costly, so only at a fixpoint.
   */
  async tryAlternatives(): Promise<boolean> {
    for (let i = 0; i < this.best.log.length && !this.exhausted(); i++) {
      const d = this.best.log[i]!;
      if (d.options === null || d.options.length < 2) continue;
      for (const alt of [...d.options].sort()) {
        if (alt === d.value) continue;
        const l = this.best.list.slice();
        l[i] = alt;
        if (await this.attempt(l)) return true;
      }
    }
    return false;
  }

  /** Fault draws say no: first all at once, then one by one. */
  async faultsOff(): Promise<boolean> {
    const on = (): number[] => this.best.log.flatMap((d, i) => (d.stream === 'fault' && d.value !== DRAW_DEFAULT ? [i] : []));
    const all = on();
    if (all.length === 0) return false;
    const l = this.best.list.slice();
    for (const i of all) l[i] = DRAW_DEFAULT;
    if (await this.attempt(l)) return true;
    let any = false;
    for (let k = 0; k < on().length && !this.exhausted(); ) {
      const i = on()[k]!;
      const c = this.best.list.slice();
      c[i] = DRAW_DEFAULT;
      if (await this.attempt(c)) any = true;
      else k++;
    }
    return any;
  }

  async finish(): Promise<ShrinkResult> {
    // The kept list is already a run's own decisions; replaying it once more proves it.
    const final = await this.run(this.best.list);
    if (violationKind(final.result) !== this.input.kind || final.result.decisionHash !== this.best.result.decisionHash) {
      throw new Error('shrink: the shrunk schedule did not replay to the same run (nondeterministic target?)');
    }
    return {
      decisions: final.list, result: final.result, before: this.before, after: final.metrics,
      runs: this.runs, complete: !this.exhausted(),
    };
  }
}
