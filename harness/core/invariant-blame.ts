import { renderValue } from './format.js';
import type { SharedCell, Task } from './task.js';

/** One write of a cell a failed invariant read: who wrote it, at which step, and the read it came from. */
export interface BlamedWrite {
  cell: string;
  task: string;
  step: number;
  /** The writer's last read of the cell before this write, when it had one. */
  readStep?: number;
}

/**
 * Who made a failed invariant false, kept beside the violation (RunResult.invariantBlame), not in
 * it: a violation's message and details are its identity (signatures, the corpus, the
 * fingerprint), and this is a diagnosis added to it.
 */
export interface InvariantBlame {
  writes: BlamedWrite[];
  /** `count = -1 by consumer-1 at step 63 (its read at step 58, before …: a lost update), by …`. */
  text: string;
}

/** Writes named at most: the latest are the ones that made the invariant false. */
const MAX_BLAMED = 4;

/**
 * The writes that made an invariant false, as far as the harness can tell: each task's last write
 * of every shared cell the predicate read (`peek()` while it ran), latest first. Only a task's
 * last write of a cell is remembered (the lost-wakeup check's bookkeeping), so an earlier write
 * overwritten by the same task is not named.
 */
export function blameWrites(cells: ReadonlySet<SharedCell>, tasks: readonly Task[]): BlamedWrite[] {
  const out: BlamedWrite[] = [];
  for (const t of tasks) {
    if (t.writes === null) continue;
    for (const cell of cells) {
      const step = t.writes.get(cell);
      if (step === undefined) continue;
      const read = t.reads?.get(cell);
      const w: BlamedWrite = { cell: cell.name, task: t.label, step };
      if (read !== undefined && read.step <= step) w.readStep = read.step;
      out.push(w);
    }
  }
  return out.sort((a, b) => b.step - a.step || a.task.localeCompare(b.task)).slice(0, MAX_BLAMED);
}

/**
 * The blame in words, per cell, latest write first: `count = -1 by consumer-1 at step 63 (its
 * read at step 58, before consumer-2's write at step 60: a lost update), by consumer-2 at step 60`.
 */
export function blameText(writes: readonly BlamedWrite[], cells: ReadonlySet<SharedCell>): string {
  if (writes.length === 0) return '';
  const byCell = new Map<string, BlamedWrite[]>();
  for (const w of writes) byCell.set(w.cell, [...(byCell.get(w.cell) ?? []), w]);
  const parts = [...byCell].map(([name, ws]) => {
    const value = [...cells].find((c) => c.name === name)?.peek();
    const each = ws.map((w) => {
      const lost = ws.find((o) => o.task !== w.task && w.readStep !== undefined && o.step > w.readStep && o.step < w.step);
      const read = w.readStep === undefined ? '' : lost !== undefined
        ? ` (its read at step ${w.readStep}, before ${lost.task}'s write at step ${lost.step}: a lost update)`
        : ` (its read at step ${w.readStep})`;
      return `by ${w.task} at step ${w.step}${read}`;
    });
    return `${name} = ${renderValue(value)} ${each.join(', ')}`;
  });
  return parts.join('; ');
}
