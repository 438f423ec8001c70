import type { ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../../core/errors.js';
import { realText, runReal } from '../../real/index.js';
import { EXIT, Progress } from '../common.js';

/** What `run --real` reads of `run`'s arguments (run.ts passes its own). */
export interface RealArgs {
  target: string;
  variant?: string;
  runs?: number;
  duration?: number;
  format?: string[];
}

/** Flags of `run` that mean something only in the simulation: refused beside --real. */
const SIMULATION_ONLY: readonly string[] = [
  'seeds', 'seed', 'time', 'until-fail', 'shrink', 'save-failures', 'shard', 'resume', 'strategy', 'depth', 'k', 'faults', 'fault-rate',
  'swarm', 'weather', 'fixed-weather', 'net', 'workload', 'fault-window', 'check-determinism', 'guide-dir', 'jobs', 'max-steps',
];

/** Runs of one real run before it is cut off, by default: a workload's wall time. */
export const DEFAULT_REAL_DURATION_MS = 60_000;

/**
 * `interleave run <target> --real --runs N`: the target's single process on Node's own loop, N
 * times per variant, each in a fresh process; prints how often each violation kind occurred.
 * Exit codes as for `run`: 0 no violation, 1 violations, 2 bad input.
 */
export async function realCommand(a: ArgumentsCamelCase<RealArgs>): Promise<number> {
  const given = SIMULATION_ONLY.filter((k) => (a as Record<string, unknown>)[k] !== undefined && (a as Record<string, unknown>)[k] !== false);
  if (given.length > 0) throw new UsageError(`--real runs on Node's own loop, with no seed, schedule or weather: drop --${given.join(', --')} (use --runs N for the number of runs)`);
  if (a.format !== undefined && a.format.length > 0) throw new UsageError('--real prints text only: drop --format');
  const variants = a.variant === undefined ? undefined : String(a.variant).split(',').map((v) => v.trim()).filter((v) => v.length > 0);
  const runs = a.runs ?? 30;
  const progress = new Progress();
  let failed = 0;
  let done = 0;
  const result = await runReal({
    target: a.target,
    ...(variants !== undefined ? { variants } : {}),
    runs,
    durationMs: a.duration ?? DEFAULT_REAL_DURATION_MS,
    onRun(variant, i, res) {
      done++;
      if (res.violations.length > 0) failed++;
      progress.update(done, runs * (variants?.length ?? 1), failed, `${variant} run ${i + 1}`);
    },
  });
  progress.done();
  process.stdout.write(realText(result));
  return result.variants.some((v) => v.failed > 0) ? EXIT.violations : EXIT.ok;
}
