import { availableParallelism } from 'node:os';
import type { StrategySpec } from '../../harness/strategies/index.js';
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
/** Past a slow shrink's own wall budget, the worker is stopped only if it overruns by this much. */
const SLOW_GRACE_MS = 30_000;

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
      timeoutMs: slow ? slowTimeout + SLOW_GRACE_MS : FAST_TIMEOUT_MS,
      job: {
        ref: cell.c.ref, variant: cell.c.variant, seed: f.seed, strategy: cell.strategy, kind: cell.c.kind,
        budget: slow ? { wallMs: slowTimeout } : { maxRuns: SHRINK_MAX_RUNS },
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

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

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
  // Issue 16's aims, on the shrinks that took faults as units (network targets).
  const net = measured.flatMap((g) => done(g).filter((r) => r.essential !== null));
  if (net.length > 0) {
    lines.push(`  network shrinks (${net.length}): median faults ${median(net.map((r) => r.before!.faults))} → ${median(net.map((r) => r.after!.faults))} (aim ≤ 6), ` +
      `median steps after/before ${(median(net.map(stepRatio)) * 100).toFixed(0)}% (aim ≤ 30%), ` +
      `every remaining fault checked essential in ${net.filter((r) => r.faultsMinimal).length}`);
  }
  if (groups.some((g) => g.rows.some((r) => !r.complete))) {
    lines.push(`  * stopped before a fixpoint: at ${SHRINK_MAX_RUNS} candidate runs (thread targets), at its wall-time share (slow targets), or as the "stopped" column says`);
  }
  return lines;
}
