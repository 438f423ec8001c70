import { availableParallelism } from 'node:os';
import type { StrategySpec } from '../../harness/sched/index.js';
import type { ShrinkJob } from './shrink-worker.js';
import { shrinkAll, stepRatio, SHRINK_MAX_RUNS, type ShrinkRow } from './shrinking.js';
import { table } from './table.js';
import type { Case, Plan, WalkResult } from './walk.js';

/** What the shrink section needs of a measured (variant, strategy) cell. */
export interface FoundCell {
  c: Case;
  label: string;
  strategy: StrategySpec;
  plan: Plan;
  w: WalkResult;
}

export interface ShrinkBudget {
  /** Failures shrunk per variant of a fast target, and of a slow (Raft-sized) one. */
  bases: number;
  slowBases: number;
  /** Wall time all slow targets' shrinks may take together (they run `parallel` at a time). */
  slowTotalMs: number;
  /** A run slower than this (ms) makes its target slow. */
  slowRunMs: number;
}

/** A thread-target shrink takes seconds; this only stops a runaway one. */
const FAST_TIMEOUT_MS = 60_000;
/**
 * Slow targets shrink in stages (10, 20, … 200 candidates), each from the last one's result, so a
 * timeout keeps the last stage; thread targets shrink in one call, exactly as `interleave shrink`.
 */
const SLOW_FIRST_STAGE = 10;
const SLOW_STAGE_RUNS = 200;

export interface ShrinkGroup {
  c: Case;
  label: string;
  rows: ShrinkRow[];
}

const key = (c: Case): string => `${c.target.name}/${c.variant}`;

/**
 * Shrinks the first failures the first strategy (in table order) to find each bug found, in
 * worker threads, two at a time. Slow targets share a time budget and shrink in stages.
 */
export async function measureShrinks(cells: readonly FoundCell[], b: ShrinkBudget): Promise<ShrinkGroup[]> {
  const slowTargets = new Set(cells.filter((x) => x.plan.msPerRun > b.slowRunMs).map((x) => x.c.target.name));
  const picked: FoundCell[] = [];
  for (const cell of cells) {
    if (cell.w.firstFailures.length > 0 && !picked.some((p) => key(p.c) === key(cell.c))) picked.push(cell);
  }
  const parallel = Math.min(2, availableParallelism());
  const isSlow = (cell: FoundCell): boolean => slowTargets.has(cell.c.target.name);
  const slowJobs = picked.filter(isSlow).reduce((n, cell) => n + Math.min(b.slowBases, cell.w.firstFailures.length), 0);
  const slowTimeout = Math.max(2_000, (b.slowTotalMs * parallel) / Math.max(1, slowJobs));
  const jobs = picked.flatMap((cell) => {
    const slow = isSlow(cell);
    return cell.w.firstFailures.slice(0, slow ? b.slowBases : b.bases).map((f) => ({
      cell,
      timeoutMs: slow ? slowTimeout : FAST_TIMEOUT_MS,
      job: {
        ref: cell.c.ref, variant: cell.c.variant, seed: f.seed, strategy: cell.strategy, kind: cell.c.kind,
        maxRuns: SHRINK_MAX_RUNS,
        firstStage: slow ? SLOW_FIRST_STAGE : SHRINK_MAX_RUNS, stageRuns: slow ? SLOW_STAGE_RUNS : SHRINK_MAX_RUNS,
      } satisfies ShrinkJob,
    }));
  });
  const rows = await shrinkAll(jobs, parallel);
  return picked.map((cell) => ({ c: cell.c, label: cell.label, rows: rows.filter((_, i) => jobs[i]!.cell === cell) }));
}

function arrow(a: number | undefined, b: number | undefined): string {
  return a === undefined ? '-' : `${a} → ${b ?? '?'}`;
}

export function shrinkTable(groups: readonly ShrinkGroup[]): string[] {
  const rows: string[][] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      const ratio = r.after === null ? '-' : `${(stepRatio(r) * 100).toFixed(0)}%`;
      rows.push([
        g.c.target.name, g.c.variant, g.label, r.seed,
        arrow(r.before?.steps, r.after?.steps), arrow(r.before?.preemptions, r.after?.preemptions), arrow(r.before?.faults, r.after?.faults),
        ratio, `${r.runs}${r.complete ? '' : '*'}`, (r.ms / 1000).toFixed(1), r.stopped ?? '',
      ]);
    }
  }
  return table(['target', 'variant', 'found by', 'seed', 'steps', 'preemptions', 'faults', 'after/before', 'candidates', 's', 'stopped'], rows);
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function shrinkSummary(groups: readonly ShrinkGroup[]): string[] {
  const done = (g: ShrinkGroup): ShrinkRow[] => g.rows.filter((r) => r.after !== null);
  const measured = groups.filter((g) => done(g).length > 0);
  const lines = measured.map((g) => {
    const rs = done(g);
    const pre = (f: (r: ShrinkRow) => number): string => mean(rs.map(f)).toFixed(1);
    return `  ${key(g.c).padEnd(44)} mean steps after/before ${(mean(rs.map(stepRatio)) * 100).toFixed(0).padStart(3)}%, ` +
      `mean preemptions ${pre((r) => r.before!.preemptions)} → ${pre((r) => r.after!.preemptions)}, ` +
      `faults ${pre((r) => r.before!.faults)} → ${pre((r) => r.after!.faults)}`;
  });
  const perVariant = measured.map((g) => mean(done(g).map(stepRatio)));
  lines.push(`  average over ${measured.length} buggy variants: ${(mean(perVariant) * 100).toFixed(0)}% of the original steps`);
  if (groups.some((g) => g.rows.some((r) => !r.complete))) {
    lines.push(`  * stopped before a fixpoint: at ${SHRINK_MAX_RUNS} candidate runs, or as the "stopped" column says (the last completed stage is shown)`);
  }
  return lines;
}
