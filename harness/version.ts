/** Kept equal to package.json's version (a test checks it); reports carry it. */
export const HARNESS_VERSION = '0.1.0';

/**
 * What a seed means: bumped whenever the same seed of the same target may make other decisions
 * (a stream renamed or split, a draw added where every run makes it). Schedule files, journals
 * and guide files carry it; `regress` reports an entry of an older engine as `stale (engine N)`.
 *
 * - 1: one `fault` stream served message latency, message faults, the nemesis and spurious wakeups.
 * - 2: a stream per subsystem (core/entropy.ts): latency, message faults, nemesis, sync faults and
 *   the workload each draw from their own.
 * - 3: a host loop draws its wake lag and callback cost on every wake and callback, in ns, with
 *   an idle machine's floors (faults/loop-weather.ts), and a lag is drawn afresh for each wake.
 */
export const ENGINE_VERSION = 3;
