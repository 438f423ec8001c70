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

/**
 * Resources whose kind is one of libuv's requests (a file read, a connect, a DNS lookup, a write)
 * or a pending immediate: work in flight that ends by itself. Handles (a socket, a server, a TTY,
 * the thread's message port) may live for the whole process, so they are not waited for.
 */
const IN_FLIGHT = /Req|^ConnectWrap$|^WriteWrap$|^ShutdownWrap$|^Immediate$/;

/** The kinds of the thread's real requests still in flight (process.getActiveResourcesInfo()). */
export function realWorkInFlight(): string[] {
  return process.getActiveResourcesInfo().filter((k) => IN_FLIGHT.test(k));
}

/**
 * Waits until the real work that loading a module started has finished: a loader's asynchronous
 * requests (tsx connects to its IPC pipe and reads files after `require` returns) would otherwise
 * complete in the middle of the first run, whose promise ledger and escape check charge them to
 * the node that acted last. Real turns, as many as it takes; after `patienceMs` of wall time the
 * run goes ahead (a request that hangs, a connect with no answer, is the escape check's to name).
 */
export async function settleRealWork(patienceMs = 30_000): Promise<void> {
  const start = realPerformanceNow(); // allowed: wall time bounds a wait for real I/O, never a run's
  for (let turn = 0; realWorkInFlight().length > 0; turn++) {
    if (realPerformanceNow() - start > patienceMs) return; // allowed: see above
    // Immediates first (a poll phase each, no sleep); then short real sleeps, not a spin.
    await new Promise<void>((r) => (turn < 100 ? realSetImmediate(r) : realSetTimeout(r, 2))); // allowed: the harness's own wait for real I/O, outside every run
  }
}
