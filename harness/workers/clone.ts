import type { RunResult } from '../engine/execute.js';

/**
 * Violation details are target-supplied and may hold values structured clone refuses
 * (functions, symbols, class instances with private state); those become JSON-ish text so a
 * failing run never dies on its way back to the main thread.
 */
export function cloneSafe(res: RunResult): RunResult {
  for (const v of res.violations) {
    if (v.details === undefined) continue;
    try {
      structuredClone(v.details);
    } catch {
      v.details = JSON.parse(JSON.stringify(v.details, (_k, x: unknown) => (typeof x === 'function' || typeof x === 'symbol' ? String(x) : x))) as Record<string, unknown>;
    }
  }
  return res;
}
