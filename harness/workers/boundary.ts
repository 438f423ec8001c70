import type { RunResult } from '../engine/execute.js';
import { errorText } from '../core/run.js';
import { RunStopped } from '../core/violation.js';
import { wasCharged } from '../core/rejections.js';
import { realSetImmediate } from '../core/real.js';

/**
 * Charges what a seed's code left behind to that seed and not to whichever runs next. A run
 * completes inside one macrotask turn, and Node reports a promise rejected without a handler
 * only after the microtasks drain: one turn of the event loop after a seed, its rejections have
 * all been reported.
 *
 * A turn per seed costs a quarter of a small target's throughput, so seeds run in groups with
 * one turn after each group; only a group that leaked is run again, one seed per turn, to find
 * whose it was. Runs are deterministic, so the second run of a seed is the first one again.
 */
const seen: unknown[] = [];
let listening = 0;
const onRejection = (reason: unknown): void => {
  // The harness's own stop signal, thrown into hosted code (host mode) that then rejected: the
  // run already reported why it stopped.
  if (reason instanceof RunStopped) return;
  seen.push(reason);
};
/** What the group's runs did not already charge to a step of their own (host mode). */
const unclaimed = (): void => {
  let w = 0;
  for (const r of seen) if (!wasCharged(r)) seen[w++] = r;
  seen.length = w;
};

/** Starts collecting unhandled rejections (counted: nested users share one listener). */
export function catchRejections(): () => void {
  if (listening++ === 0) process.on('unhandledRejection', onRejection);
  let on = true;
  return () => {
    if (!on) return;
    on = false;
    if (--listening === 0) process.off('unhandledRejection', onRejection);
  };
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve)); // allowed: between runs, never inside one
}

export interface GroupItem {
  /** The run's ignored kinds: an ignored `unhandled-rejection` is only counted. */
  ignore: ReadonlySet<string>;
  run: () => Promise<RunResult>;
}

/**
 * Runs the items back to back, then waits one turn; if anything was rejected unhandled, runs
 * them again one per turn and adds each seed's rejections to its result. `before(k)` is called
 * before each run (the progress cell's item).
 */
export async function runGroup(items: readonly GroupItem[], before?: (k: number) => void): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (let k = 0; k < items.length; k++) {
    before?.(k);
    out.push(await items[k]!.run());
  }
  await macrotask();
  unclaimed();
  if (seen.length === 0) return out;
  seen.length = 0;
  for (let k = 0; k < items.length; k++) {
    before?.(k);
    const again = await items[k]!.run();
    await macrotask();
    unclaimed();
    if (seen.length > 0) out[k] = charge(again, seen.splice(0), items[k]!.ignore);
  }
  return out;
}

/** One seed alone, with its own turn (a replay, a diagnosis). */
export async function runAlone(item: GroupItem): Promise<RunResult> {
  return (await runGroup([item]))[0]!;
}

function charge(res: RunResult, reasons: unknown[], ignore: ReadonlySet<string>): RunResult {
  if (ignore.has('unhandled-rejection')) {
    res.ignored['unhandled-rejection'] = (res.ignored['unhandled-rejection'] ?? 0) + reasons.length;
    return res;
  }
  res.violations.push({
    kind: 'unhandled-rejection',
    step: res.steps,
    timeMs: res.timeMs,
    actors: [],
    message: `a promise the target made was rejected and nothing handled it${reasons.length > 1 ? ` (${reasons.length} of them; the first)` : ''}: ${errorText(reasons[0])}; it escaped the simulation, so its step is unknown: handle or await the promise`,
    details: { count: reasons.length },
  });
  if (res.outcome === 'pass') {
    res.outcome = 'violation';
    res.end = 'violation';
  }
  return res;
}
