/**
 * Abstract-state coverage (issue 14): exact counts on a fixture whose reachable states are
 * known, growth with seeds, the same states on replay, and shards merged as a union of sets.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import { StateSet } from '../dist/harness/cover/sketch.js';
import { mergeReports, readSummary } from '../dist/harness/report/merge.js';
import { writeExploreReport } from '../dist/harness/report/write.js';
import { parseShard, shardSeeds } from '../dist/harness/campaign/shard.js';
import known from './fixtures/cover-known.js';

const calm = { fixedWeather: true, faults: [] as string[], strategy: 'random', livenessMs: 0 };

t.test('the counts on a fixture with a known number of reachable abstract states are exact', async (t) => {
  const expected: Record<string, number> = { observe: 3, 'observe-cover': 4, waits: 2 };
  for (const [variant, n] of Object.entries(expected)) {
    const r = await explore({ target: known, variant, seeds: '1..40', ...calm });
    t.equal(r.failures.length, 0, `${variant} passes`);
    t.same(r.states.count(), { value: n, estimated: false }, `${variant}: ${n} states over 40 seeds`);
  }
  const one = await explore({ target: known, variant: 'observe', seeds: '1..40', ...calm, keepRuns: true });
  const perRun = new Set(one.allRuns!.map((r) => r.cover!.length));
  t.same([...perRun].sort(), [2], 'each run reaches two of the three (which two depends on who reports first)');
});

t.test('coverage grows with seeds and a replay reaches the same states', async (t) => {
  const few = await explore({ target: 'raft', variant: 'correct', seeds: '1..3', keepRuns: true });
  const more = await explore({ target: 'raft', variant: 'correct', seeds: '1..12' });
  const a = few.states.count().value;
  const b = more.states.count().value;
  t.ok(a > 10 && b > a, `3 seeds: ${a} states, 12 seeds: ${b}`);
  const first = few.allRuns![0]!;
  const again = await replay({ target: 'raft', variant: 'correct', seed: first.seed });
  t.same(again.cover, first.cover, `seed ${first.seed}: the same ${first.cover!.length} states in a worker's replay`);
});

t.test('a thread target counts waits, not schedules: many schedules, few states', async (t) => {
  const r = await explore({ target: 'bounded-buffer', variant: 'correct', seeds: '1..60' });
  const s = r.states.count().value;
  t.ok(s >= 3 && s < r.distinct.count().value, `${s} states over ${r.distinct.count().value} schedules`);
});

t.test('shards merge as a union of states, never a sum', async (t) => {
  const seeds = Array.from({ length: 40 }, (_, i) => String(i + 1));
  const meta = (n: number, shard?: { index: number; count: number }) => ({ command: 'interleave run bounded-buffer', seedSpec: '1..40', seedCount: n, wallMs: 1, startedAt: '2026-01-01T000000Z', ...(shard ? { shard } : {}) });
  const root = mkdtempSync(join(tmpdir(), 'cover-'));
  const whole = await explore({ target: 'bounded-buffer', seeds, strategy: 'random' });
  writeExploreReport(join(root, 'whole'), [whole], meta(40));
  const dirs: string[] = [];
  let sum = 0;
  for (const i of [1, 2]) {
    const shard = parseShard(`${i}/2`);
    const r = await explore({ target: 'bounded-buffer', seeds: shardSeeds(seeds, shard), strategy: 'random' });
    sum += r.states.count().value;
    const dir = join(root, `s${i}`);
    writeExploreReport(dir, [r], meta(20, shard));
    dirs.push(dir);
  }
  const merged = mergeReports(dirs).summary.targets[0]!.stats!;
  const single = readSummary(join(root, 'whole')).targets[0]!.stats!;
  t.equal(merged.distinctStates, single.distinctStates, `merged ${merged.distinctStates} = one run's ${single.distinctStates}`);
  t.ok(sum > merged.distinctStates!, `the shards' counts sum to ${sum}: a sum would overcount`);
  t.same(merged.statesSketch!.members, single.statesSketch!.members, 'the same states, listed');
  const json = JSON.parse(readFileSync(join(root, 'whole', 'summary.json'), 'utf8'));
  t.equal(json.targets[0].stats.statesEstimated, false);
});

t.test('past the listed limit, sketches join by register maximum', async (t) => {
  const a = new StateSet();
  const b = new StateSet();
  for (let i = 0; i < 30_000; i++) a.add(Math.imul(i, 2654435761) >>> 0);
  for (let i = 20_000; i < 50_000; i++) b.add(Math.imul(i, 2654435761) >>> 0);
  t.equal(a.sketch().members, undefined, 'too many to list');
  const u = StateSet.fromSketches([a.sketch(), b.sketch()]).count();
  t.ok(u.estimated && Math.abs(u.value - 50_000) / 50_000 < 0.05, `union ≈ ${u.value} of 50000 (a sum would say 60000)`);
  t.same(a.addAll([1, 1, 2]).length, 2, 'a repeat is not new');
});
