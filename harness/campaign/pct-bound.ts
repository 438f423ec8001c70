import type { Target } from '../core/api.js';
import { execute } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';

/**
 * A step bound k for PCT from one dry run: the steps `run-to-block` takes on this variant (a
 * deterministic run that never preempts), at least 1. Change points drawn past the end of a
 * run are wasted, so a k near the real run length is what keeps PCT's 1/(n·k^(d−1)) bound
 * useful; the explore layer calls this when the user gave no k, and records the k it used.
 */
export async function pctStepBound(target: Target, variant: string, options: RunOptions): Promise<number> {
  const r = await execute({ target, variant, seed: '0', strategy: { name: 'run-to-block' }, options });
  return Math.max(1, r.steps);
}
