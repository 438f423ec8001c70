import type { RunResult } from '../core/execute.js';
import { errorText } from '../core/run.js';

/**
 * Ends each seed on a macrotask boundary, so what its code left behind is charged to it and not
 * to whichever seed runs next. A run completes inside one macrotask turn; Node reports a promise
 * rejected without a handler only after the microtasks drain, that is, after the run has
 * returned: one turn of the event loop later, the seed's rejections have all been reported.
 */
const seen: unknown[] = [];
let listening = 0;
const onRejection = (reason: unknown): void => {
  seen.push(reason);
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
  return new Promise((resolve) => setImmediate(resolve)); // allowed: between runs, never inside one
}

/** Waits out the seed's turn and adds its unhandled rejections to its result as violations. */
export async function settleSeed(res: RunResult, ignore: ReadonlySet<string>): Promise<RunResult> {
  await macrotask();
  if (seen.length === 0) return res;
  const reasons = seen.splice(0);
  if (ignore.has('unhandled-rejection')) {
    res.ignored['unhandled-rejection'] = (res.ignored['unhandled-rejection'] ?? 0) + reasons.length;
    return res;
  }
  const first = reasons[0];
  res.violations.push({
    kind: 'unhandled-rejection',
    step: res.steps,
    timeMs: res.timeMs,
    actors: [],
    message: `a promise the target made was rejected and nothing handled it${reasons.length > 1 ? ` (${reasons.length} of them; the first)` : ''}: ${errorText(first)}; it escaped the simulation, so its step is unknown: handle or await the promise`,
    details: { count: reasons.length },
  });
  if (res.outcome === 'pass') {
    res.outcome = 'violation';
    res.end = 'violation';
  }
  return res;
}
