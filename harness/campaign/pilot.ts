// The pilot: a few calm seeds per variant, run before the campaign, that fit the PCT family's
// bounds to the target (fit.ts decides from them).
import { execute, type RunResult } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import { fitStrategies, needsPilot, PILOT_SEEDS, type PilotRun } from './fit.js';
import type { CommandOptions } from '../replay/command.js';
import { runSupervised } from './parallel.js';
import { catchRejections, runAlone } from '../workers/boundary.js';
import { applyFit, optionsFor, type ExploreOptions, type Resolved, type VariantOptions } from './resolve.js';

/**
 * Fits the campaign's strategy to the target (campaign/fit.ts): `auto` becomes a portfolio or
 * `random`, and unset PCT bounds become each variant's pilot run length. The pilot runs where
 * the campaign does (watched worker threads for a target by name or path), so a target that
 * spins cannot hang it.
 */
export async function fitExplore(r: Resolved, o: Pick<ExploreOptions, 'target' | 'inline' | 'stallMs' | 'maxHeapMb'>): Promise<void> {
  if (!needsPilot(r.strategy)) {
    for (const v of r.variants) optionsFor(r, v).strategy = r.strategy;
    return;
  }
  const random = { name: 'random', params: {} };
  let runs: RunResult[];
  if (typeof o.target !== 'string' || o.inline === true) {
    runs = [];
    // As exploreInline does: a pilot seed's stray rejection is its own, never the process's.
    const stopCatching = catchRejections();
    try {
    for (const seed of PILOT_SEEDS) {
      for (const variant of r.variants) {
        const v = optionsFor(r, variant);
        const options: RunOptions = { ...v.options, faults: {} };
        delete options.weather;
        delete options.workload;
        runs.push(await runAlone({ ignore: v.options.ignore, run: () => execute({ target: r.target, variant, seed, strategy: random, options }) }));
      }
    }
    } finally {
      stopCatching();
    }
  } else {
    const perVariant = Object.fromEntries(r.variants.map((variant) => [variant, pilotOptions(optionsFor(r, variant))]));
    runs = (await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: r.variants, seeds: PILOT_SEEDS, strategy: random,
      exploreOptions: perVariant[r.variants[0]!]!, perVariant, jobs: 1,
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
    })).results;
  }
  const pilot: PilotRun[] = runs.map((x) => ({ variant: x.variant, steps: x.steps, messages: x.messages ?? 0, network: x.network === true }));
  applyFit(r, fitStrategies(r.strategy, r.variants, pilot));
}

/**
 * The pilot runs in a calm network with the target's default workload: k then depends on the
 * target, its variant and the run's length, not on --weather, --faults or --workload, so a
 * replay under a failure's pinned weather fits the k its campaign fitted.
 */
function pilotOptions(v: VariantOptions): CommandOptions & { traceWindow: number } {
  const c = v.commandOptions;
  return {
    durationMs: c.durationMs, maxSteps: c.maxSteps, faults: {}, ignore: c.ignore, weather: 'fixed', traceWindow: v.options.traceWindow,
    ...(v.options.net !== undefined && Object.keys(v.options.net).length > 0 ? { net: { ...(v.options.net as Record<string, number | boolean | string>) } } : {}),
    ...(c.livenessMs !== undefined ? { livenessMs: c.livenessMs } : {}),
    ...(c.eventLatencyMs !== undefined ? { eventLatencyMs: c.eventLatencyMs } : {}),
    ...(c.maxTasks !== undefined ? { maxTasks: c.maxTasks } : {}),
  };
}
