/**
 * The one thing a run writes outside itself: its step count, into a cell a supervising thread
 * can read while the run's own thread is stuck in a task that never yields (`while (true) {}`).
 * A worker points `cell` at a SharedArrayBuffer; elsewhere it is a private scratch word, so the
 * engine's per-step store has no branch.
 *
 * Layout: [STEP] the current run's step, [ITEM] the work item in flight (-1 when idle).
 */
export const STEP = 0;
export const ITEM = 1;
export const CELL_WORDS = 2;

let cell: Int32Array<ArrayBufferLike> = new Int32Array(CELL_WORDS);

export function progressCell(): Int32Array<ArrayBufferLike> {
  return cell;
}

/** Called once by a worker thread with its shared view. */
export function shareProgress(view: Int32Array<ArrayBufferLike>): void {
  if (view.length < CELL_WORDS) throw new RangeError(`progress cell needs ${CELL_WORDS} words, got ${view.length}`);
  cell = view;
}
