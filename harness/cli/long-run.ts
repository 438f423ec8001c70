/**
 * A seed list has no cap: `--seeds 1..1000000000` is a fine overnight soak, and a typo like
 * 1..1e12 is caught by saying how long it would take, once the speed is known, not by refusing.
 */

/** Longer than this at the measured speed, and the run says so. */
export const LONG_RUN_MS = 86_400_000;
/** Wall ms of running (after the first result, so loading and fitting are not counted) that
 * measure the speed. */
export const MEASURE_MS = 2_000;

/** The note for `runsLeft` runs at `runsPerSec`, or null when they take a day or less. */
export function longRunNote(what: string, runsLeft: number, runsPerSec: number): string | null {
  if (!(runsPerSec > 0) || !(runsLeft > 0)) return null;
  const ms = (runsLeft / runsPerSec) * 1000;
  if (ms <= LONG_RUN_MS) return null;
  return `interleave: note: ${what} has ${runsLeft} runs to go: about ${duration(ms)} at the ${Math.round(runsPerSec)} runs/s measured (Ctrl-C stops it with a report; --resume continues; --time or --shard bound it)`;
}

function duration(ms: number): string {
  const h = ms / 3_600_000;
  if (h < 48) return `${Math.round(h)} hours`;
  const d = h / 24;
  return d < 730 ? `${Math.round(d)} days` : `${Math.round(d / 365)} years`;
}

/** Measures once, MEASURE_MS after the first result, and hands the note (if any) to `say`. */
export class LongRunWatch {
  private from: { ms: number; done: number } | null = null;
  private measured = false;

  constructor(private readonly what: string, private readonly total: number, private readonly say: (line: string) => void) {}

  /** `done` runs of `total` have finished, `wallMs` into the command. */
  seen(done: number, wallMs: number): void {
    if (this.measured) return;
    if (this.from === null) {
      this.from = { ms: wallMs, done };
      return;
    }
    const ms = wallMs - this.from.ms;
    if (ms < MEASURE_MS) return;
    this.measured = true;
    const note = longRunNote(this.what, this.total - done, ((done - this.from.done) / ms) * 1000);
    if (note !== null) this.say(`${note}\n`);
  }
}
