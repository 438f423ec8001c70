import t from 'tap';
import { DEFAULT_OPTIONS, execute } from '../dist/harness/engine/execute.js';
import { makeStrategy, resolveStrategySpec } from '../dist/harness/strategies/index.js';
import { pctMissProbability, pctParams } from '../dist/harness/strategies/pct.js';
import { pctStepBound } from '../dist/harness/campaign/pct-bound.js';
import { Entropy } from '../dist/harness/core/entropy.js';
import boundedBuffer from '../dist/targets/condvar/bounded-buffer/index.js';
import latchInit from './fixtures/sched-latch-init.ts';

type Spec = { name: string; params?: Record<string, number> };

/** Seeds tried, from base seed b, until the first violation of `kind` (or `cap` + 1). */
async function seedsToFailure(target: typeof boundedBuffer, variant: string, strategy: Spec, base: number, kind: string, cap: number): Promise<number> {
  for (let i = 0; i < cap; i++) {
    const r = await execute({ target, variant, seed: `${base}:${i}`, strategy, options: DEFAULT_OPTIONS });
    if (r.violations[0]?.kind === kind) return i + 1;
  }
  return cap + 1;
}

async function median(target: typeof boundedBuffer, variant: string, strategy: Spec, kind: string, bases: number, cap: number): Promise<number> {
  const xs: number[] = [];
  for (let b = 0; b < bases; b++) xs.push(await seedsToFailure(target, variant, strategy, b, kind, cap));
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1]!;
}

t.test('pct params: defaults, validation, and recorded in full', async (t) => {
  t.same(pctParams({}), { depth: 3, k: 200 });
  t.same(pctParams({ depth: '2', k: 50 }), { depth: 2, k: 50 });
  t.throws(() => pctParams({ depth: 0 }), { name: 'UsageError', message: /depth must be an integer in \[1, 16\]/ });
  t.throws(() => pctParams({ k: 'many' }), { name: 'UsageError', message: /k must be an integer/ });
  t.same(makeStrategy({ name: 'pct', params: { depth: 2 } })('1', new Entropy('1')).params, { depth: 2, k: 200 });
  t.same(resolveStrategySpec({ name: 'pct' }), { name: 'pct', params: { depth: 3, k: 200 } }, 'a replay command gets every parameter');
});

t.test('pct is deterministic per seed and differs across seeds', async (t) => {
  const run = (seed: string) => execute({ target: boundedBuffer, variant: 'correct', seed, strategy: { name: 'pct', params: { depth: 3 } }, options: DEFAULT_OPTIONS });
  t.equal((await run('4')).decisionHash, (await run('4')).decisionHash);
  const hashes = new Set<string>();
  for (let s = 0; s < 10; s++) hashes.add((await run(String(s))).decisionHash);
  t.ok(hashes.size >= 5, `10 seeds give ${hashes.size} distinct schedules`);
});

t.test('pct miss probability follows the 1/(n·k^(d−1)) bound', async (t) => {
  t.equal(pctMissProbability(2, 10, 2, 0), 1);
  t.ok(Math.abs(pctMissProbability(2, 10, 2, 1) - (1 - 1 / 20)) < 1e-12);
  t.ok(pctMissProbability(2, 10, 3, 100) > pctMissProbability(2, 10, 2, 100), 'deeper bugs are likelier missed');
});

// PCT's advantage (Burckhardt et al. 2010): a depth-2 bug that needs one task held back across
// many steps in which it could run. Random must pass it over at every one of them.
t.test('pct with depth 2 and 3 finds a held-back lost wakeup in fewer seeds than random', async (t) => {
  const k = await pctStepBound(latchInit, 'check-outside-lock', DEFAULT_OPTIONS);
  const cap = 400;
  const random = await median(latchInit, 'check-outside-lock', { name: 'random' }, 'lost-wakeup', 30, cap);
  const d2 = await median(latchInit, 'check-outside-lock', { name: 'pct', params: { depth: 2, k } }, 'lost-wakeup', 30, cap);
  const d3 = await median(latchInit, 'check-outside-lock', { name: 'pct', params: { depth: 3, k } }, 'lost-wakeup', 30, cap);
  t.comment(`latch-init, median seeds to failure over 30 base seeds (cap ${cap}): random ${random}, pct d=2 ${d2}, pct d=3 ${d3} (k=${k})`);
  t.ok(d2 < random, `pct d=2 (${d2}) beats random (${random})`);
  t.ok(d3 < random, `pct d=3 (${d3}) beats random (${random})`);
});

t.test('pct with depth 2 and 3 finds the bounded-buffer lost wakeup from every base seed', async (t) => {
  const k = await pctStepBound(boundedBuffer, 'check-outside-lock', DEFAULT_OPTIONS);
  for (const depth of [2, 3]) {
    const worst = Math.max(...(await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((b) =>
      seedsToFailure(boundedBuffer, 'check-outside-lock', { name: 'pct', params: { depth, k } }, b, 'lost-wakeup', 300)))));
    t.ok(worst <= 300, `depth ${depth}, k=${k}: at most ${worst} seeds from any of 10 base seeds`);
  }
});
