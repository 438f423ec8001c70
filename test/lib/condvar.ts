/** What the cv(9) target tests of both tiers share (test/condvar-targets.test.ts and
 * test/sweeps/condvar-targets.test.ts): the bundled targets and a run of one seed or many. */
import { execute, DEFAULT_OPTIONS, type RunResult } from '../../dist/harness/engine/execute.js';
import type { RunOptions } from '../../dist/harness/engine/options.js';
import type { Target } from '../../harness/core/api.js';
import boundedBuffer from '../../dist/targets/condvar/bounded-buffer/index.js';
import latch from '../../dist/targets/condvar/latch/index.js';
import waitUnlockMisuse from '../../dist/targets/condvar/wait-unlock-misuse/index.js';

export { boundedBuffer, latch, waitUnlockMisuse };
export const targets: Target[] = [boundedBuffer, latch, waitUnlockMisuse];

export function run(target: Target, variant: string, seed: number, extra: Partial<RunOptions> = {}, strategy = 'random'): Promise<RunResult> {
  return execute({ target, variant, seed: String(seed), strategy: { name: strategy }, options: { ...DEFAULT_OPTIONS, ...extra } });
}

/** Runs seeds 0..n-1; returns the first failing seed and every failure's first violation kind. */
export async function sweep(target: Target, variant: string, n: number, extra: Partial<RunOptions> = {}): Promise<{ first: RunResult | null; kinds: string[] }> {
  let first: RunResult | null = null;
  const kinds: string[] = [];
  for (let s = 0; s < n; s++) {
    const r = await run(target, variant, s, extra);
    if (r.outcome === 'pass') continue;
    first ??= r;
    kinds.push(r.violations[0]!.kind);
  }
  return { first, kinds };
}
