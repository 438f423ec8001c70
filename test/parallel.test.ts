/**
 * --jobs and --shard must not change what a campaign finds: the same (variant, seed, hash,
 * outcome) sequence as the sequential loop, whatever the number of worker threads or the split.
 */
import t from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { fitExplore } from '../dist/harness/campaign/pilot.js';
import { fittedStrategies, resolveExplore } from '../dist/harness/campaign/resolve.js';
import { outcomeOf } from '../dist/harness/campaign/seed-run.js';
import { runParallel } from '../dist/harness/campaign/parallel.js';
import { parseShard, shardSeeds } from '../dist/harness/campaign/shard.js';
import { cloneSafe } from '../dist/harness/workers/clone.js';
import { UsageError } from '../dist/harness/core/errors.js';
import type { RunResult } from '../dist/harness/engine/execute.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => String(i + 1));
const row = (r: RunResult) => ({ variant: r.variant, seed: r.seed, hash: r.decisionHash, outcome: outcomeOf(r) });

async function parallelInput(target: string, jobs: number) {
  const r = await resolveExplore({ target });
  await fitExplore(r, { target });
  return {
    targetRef: target,
    variants: r.variants,
    seeds: SEEDS,
    strategy: r.strategy,
    strategies: fittedStrategies(r),
    exploreOptions: { ...r.commandOptions, traceWindow: r.options.traceWindow },
    jobs,
  };
}

t.test('bounded-buffer: jobs 1, 2 and 3 give the sequential hashes, in the sequential order', async (t) => {
  const seq = await explore({ target: 'bounded-buffer', seeds: SEEDS, hashes: true });
  t.equal(seq.hashes.length, 200 * seq.variants.length);
  t.ok(seq.failures.length > 0 && seq.failures.length < seq.runs, 'some seeds fail and some pass: the comparison means something');
  for (const jobs of [1, 2, 3]) {
    const indices: number[] = [];
    const res = await runParallel({ ...(await parallelInput('bounded-buffer', jobs)), onResult: (_r, i) => indices.push(i) });
    t.same(res.map(row), seq.hashes, `jobs=${jobs}: same (variant, seed, hash, outcome) sequence`);
    t.same(indices, seq.hashes.map((_h, i) => i), `jobs=${jobs}: onResult in sequential order`);
  }
});

t.test('passing runs drop their decisions and trace unless keepPassingDetail; failing runs keep them', async (t) => {
  const input = await parallelInput('bounded-buffer', 2);
  const slim = await runParallel({ ...input, variants: ['check-outside-lock'] });
  const pass = slim.find((r) => r.outcome === 'pass')!;
  const fail = slim.find((r) => r.outcome === 'violation')!;
  t.same([pass.decisions, pass.traceWindow], [[], []]);
  t.ok(fail.decisions.length > 0 && fail.traceWindow.length > 0, 'a failure keeps what a report and a replay need');
  t.ok(fail.violations[0]!.details !== undefined, 'violation details survived the trip between threads');
  const all = await runParallel({ ...input, variants: ['check-outside-lock'], keepPassingDetail: true });
  t.ok(all.find((r) => r.outcome === 'pass')!.decisions.length > 0);
  t.same(all.map(row), slim.map(row));
});

t.test('collect: false streams through onResult and returns nothing', async (t) => {
  const input = await parallelInput('bounded-buffer', 2);
  const seen: string[] = [];
  const res = await runParallel({ ...input, seeds: SEEDS.slice(0, 30), collect: false, onResult: (r) => seen.push(r.seed) });
  t.same(res, []);
  t.equal(seen.length, 30 * input.variants.length);
});

t.test('shards 1/3, 2/3, 3/3 are disjoint, cover the list, and together give the whole run', async (t) => {
  const whole = await explore({ target: 'bounded-buffer', seeds: SEEDS, hashes: true });
  const parts = [1, 2, 3].map((i) => shardSeeds(SEEDS, parseShard(`${i}/3`)));
  t.same([...parts.flat()].sort((a, b) => Number(a) - Number(b)), SEEDS, 'union is the list, nothing twice');
  t.same(parts.map((p) => p.length), [67, 67, 66]);
  t.same(shardSeeds(SEEDS, parseShard('2/3')).slice(0, 3), ['2', '5', '8'], 'round-robin by position');
  const rows = [];
  for (const seeds of parts) rows.push(...(await explore({ target: 'bounded-buffer', seeds, hashes: true })).hashes);
  const vIndex = new Map(whole.variants.map((v, i) => [v, i]));
  rows.sort((a, b) => Number(a.seed) - Number(b.seed) || vIndex.get(a.variant)! - vIndex.get(b.variant)!);
  t.same(rows, whole.hashes);
});

t.test('bad shard specs are usage errors', async (t) => {
  for (const spec of ['0/3', '4/3', 'a/b', '1/0', '1', '1/3/4', '-1/3', '']) {
    t.throws(() => parseShard(spec), UsageError, spec);
  }
  t.throws(() => parseShard('4/3'), /i must be between 1 and 3/);
  t.same(parseShard(' 3/3 '), { index: 3, count: 3 });
  t.same(shardSeeds(['a', 'b'], { index: 3, count: 3 }), [], 'more shards than seeds: an empty shard, not an error');
});

const TINY = `
export default {
  name: 'tiny-counter',
  description: 'two tasks increment a shared counter; racy reads then writes',
  variants: ['locked', 'racy'],
  setup(sim, { variant }) {
    const m = sim.mutex('m');
    const n = sim.shared('n', 0);
    let done = 0;
    for (const name of ['a', 'b']) {
      sim.spawn(name, async () => {
        if (variant === 'locked') await m.lock();
        const v: number = await n.get();
        await n.set(v + 1);
        if (variant === 'locked') await m.unlock();
        if (++done === 2) sim.assert(n.peek() === 2, 'lost update: n = ' + n.peek());
      });
    }
  },
};
`;

t.test('a user target given by path (.ts) runs on workers with the same results', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'tiny.ts');
  writeFileSync(file, TINY);
  const one = await runParallel({ ...(await parallelInput(file, 1)) });
  const two = await runParallel({ ...(await parallelInput(file, 2)) });
  t.ok(one.some((r) => r.outcome === 'violation') && one.some((r) => r.variant === 'locked'), 'the race is found, both variants ran');
  t.ok(one.filter((r) => r.variant === 'locked').every((r) => r.outcome === 'pass'));
  t.same(two.map(row), one.map(row));
});

t.test('a target that fails to load in a worker is a clear error, and no worker is left behind', async (t) => {
  const input = await parallelInput('bounded-buffer', 2);
  await runParallel({ ...input, seeds: SEEDS.slice(0, 20) });
  const before = threads();
  await t.rejects(runParallel({ ...input, targetRef: join(t.testdir({}), 'missing.ts') }), { name: 'UsageError', message: /target file not found/ });
  await t.rejects(runParallel({ ...input, jobs: 0 }), UsageError);
  await t.rejects(runParallel({ ...input, onResult: () => { throw new Error('consumer broke'); } }), /consumer broke/);
  if (before >= 0) t.equal(threads(), before, 'every worker thread was terminated');
});

/** OS threads of this process (Linux); a worker that outlived its pool would show here. */
function threads(): number {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return -1;
  }
}

t.test('cloneSafe turns details structured clone refuses into text', async (t) => {
  const r = { violations: [{ kind: 'assert', step: 1, timeMs: 0, actors: [], message: 'm', details: { f: () => 1, n: 2 } }] } as unknown as RunResult;
  t.throws(() => structuredClone(r));
  const safe = cloneSafe(r);
  t.same(structuredClone(safe).violations[0]!.details, { f: '() => 1', n: 2 });
});
