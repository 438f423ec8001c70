/**
 * The real timer and clock functions, captured when the harness loads. Host mode
 * (harness/host/trampolines.ts) replaces the globals with virtual ones in a thread that runs a
 * host target; the harness's own waits between and around runs (the escape checkpoint, the
 * macrotask after a group of seeds, the watchdog, report timestamps) must never reach those,
 * so they call these. Every host-mode module captures from here too: one place, loaded before
 * any swap.
 */
// allowed: the real functions themselves, captured so the engine's own waits never see the virtual ones
export const realSetImmediate: typeof setImmediate = globalThis.setImmediate; // allowed: the real function itself, captured before host mode swaps the global
export const realClearImmediate: typeof clearImmediate = globalThis.clearImmediate; // allowed: see above
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout; // allowed: see above
export const realClearTimeout: typeof clearTimeout = globalThis.clearTimeout; // allowed: see above
export const realSetInterval: typeof setInterval = globalThis.setInterval; // allowed: see above
export const realClearInterval: typeof clearInterval = globalThis.clearInterval; // allowed: see above
export const RealDate: DateConstructor = globalThis.Date; // allowed: see above
export const realMathRandom: () => number = Math.random; // allowed: see above
const perf = globalThis.performance;
const perfNow = perf.now; // allowed: see above
/** The real `performance.now()` (wall ms), whatever `performance.now` is now (allowed: the harness's own wall-time figures). */
export function realPerformanceNow(): number {
  return perfNow.call(perf); // allowed: wall time for the harness's own measurements, never a run's
}
