// Re-running one seed of a campaign exactly (`interleave replay --seed`).
import type { RunResult } from '../engine/execute.js';
import { UsageError } from '../core/errors.js';
import { replayCommand } from '../replay/command.js';
import { runSupervised } from './parallel.js';
import { catchRejections, runAlone } from '../workers/boundary.js';
import { optionsFor, resolveExplore, seedList, strategyFor, type ExploreOptions } from './resolve.js';
import { fitExplore } from './pilot.js';
import { runSeed } from './seed-run.js';

export interface ReplayOptions extends Omit<ExploreOptions, 'seeds' | 'variant' | 'onResult' | 'keepRuns'> {
  variant: string;
  seed: string | number;
  trace?: boolean;
}

/** Re-runs one seed exactly; with `trace`, keeps the whole timeline. A target by name or path
 * runs in a watched worker thread, so a seed that stalled in a campaign stalls here the same way. */
export async function replay(o: ReplayOptions): Promise<RunResult & { replayCommand: string }> {
  const r = await resolveExplore(o);
  const [seed] = seedList([o.seed]);
  const v = optionsFor(r, o.variant);
  if (r.strategy.name === 'guided') throw new UsageError(`a guided run is not reproducible from its seed: replay its schedule file (replay --schedule <report>/failures/…schedule.json)`);
  await fitExplore({ ...r, variants: [o.variant] }, o);
  const strategy = strategyFor(r, o.variant, seed!);
  const command = replayCommand(r.targetRef, o.variant, seed!, strategy, v.commandOptions);
  if (typeof o.target === 'string' && o.inline !== true) {
    const done = await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: [o.variant], seeds: [seed!], strategy: strategy,
      strategies: { [o.variant]: strategy },
      exploreOptions: { ...v.commandOptions, traceWindow: v.options.traceWindow, checkDeterminism: r.checkDeterminism },
      jobs: 1, keepPassingDetail: true, traceAll: o.trace === true,
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
      ...(o.onNote !== undefined ? { onNote: o.onNote } : {}),
    });
    return { ...done.results[0]!, replayCommand: command };
  }
  const stop = catchRejections();
  try {
    const res = await runAlone({ ignore: v.options.ignore, run: () => runSeed(r, o.variant, seed!, { traceAll: o.trace === true }) });
    return { ...res, replayCommand: command };
  } finally {
    stop();
  }
}
