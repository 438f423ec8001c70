/**
 * `interleave merge-reports` over the reports of a 3-shard CI matrix must say what one run
 * over every seed says: the same counts, the same failing seeds in the same order, the same
 * failure files.
 */
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import { parseShard, shardSeeds } from '../dist/harness/campaign/shard.js';
import { mergeReports, readSummary, writeMergedReport } from '../dist/harness/report/merge.js';
import { writeExploreReport } from '../dist/harness/report/write.js';
import { UsageError } from '../dist/harness/core/errors.js';

const SPEC = '1..200';
const SEEDS = Array.from({ length: 200 }, (_, i) => String(i + 1));
const meta = (seedCount: number) => ({ command: 'interleave run bounded-buffer', seedSpec: SPEC, seedCount, wallMs: 10, startedAt: '2026-01-01T000000Z' });

async function report(dir: string, seeds: string[], extra: object = {}, strategy = 'random'): Promise<string> {
  const r = await explore({ target: 'bounded-buffer', seeds, strategy });
  writeExploreReport(dir, [r], { ...meta(seeds.length), ...extra });
  return dir;
}

async function shardReports(root: string, count = 3): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 1; i <= count; i++) {
    const shard = parseShard(`${i}/${count}`);
    dirs.push(await report(join(root, `shard-${i}`), shardSeeds(SEEDS, shard), { shard }));
  }
  return dirs;
}

const COUNTED = ['target', 'targetRef', 'variants', 'strategy', 'options', 'runs', 'steps', 'violationsByKind', 'passesByVariant', 'failuresByVariant', 'firstFailure', 'failures'];
const pick = (o: Record<string, unknown>) => Object.fromEntries(COUNTED.map((k) => [k, o[k]]));

t.test('three shard reports merge into the report of one run over every seed', async (t) => {
  const root = t.testdir({});
  const single = readSummary(await report(join(root, 'single'), SEEDS));
  const shards = await shardReports(root);
  // Given in any order, the merge lists failures in the sequential order.
  const merged = mergeReports([shards[2]!, shards[0]!, shards[1]!]);
  const one = single.targets[0]! as unknown as Record<string, unknown>;
  t.ok((one['failures'] as unknown[]).length > 0, 'the single run has failures to compare');
  t.same(pick(merged.summary.targets[0]! as unknown as Record<string, unknown>), pick(one));
  t.same(Object.keys(merged.summary.targets[0]!.violationsByKind), Object.keys(one['violationsByKind'] as object), 'kinds in first-seen order');
  t.equal(merged.summary.seedCount, 200);
  t.same([merged.summary.shards, merged.summary.missingShards], [[1, 2, 3], []]);

  const out = join(root, 'merged');
  writeMergedReport(out, merged, 'interleave merge-reports a b c');
  t.same(pick(readSummary(out).targets[0] as unknown as Record<string, unknown>), pick(one), 'summary.json on disk too');
  const files = readdirSync(join(root, 'single', 'failures')).sort();
  t.same(readdirSync(join(out, 'failures')).sort(), files, 'every failure file, and no other');
  for (const f of files) t.equal(readFileSync(join(out, 'failures', f), 'utf8'), readFileSync(join(root, 'single', 'failures', f), 'utf8'), f);
  const md = readFileSync(join(out, 'summary.md'), 'utf8');
  t.match(md, /merged from: .*shard-3/);
  t.match(md, /\| bounded-buffer \| check-outside-lock \| 200 \|/);
  t.throws(() => writeMergedReport(out, merged, 'again'), UsageError, 'never overwrites a report');
});

t.test('a partial matrix merges and says which shards are missing', async (t) => {
  const root = t.testdir({});
  const shards = await shardReports(root);
  const merged = mergeReports([shards[0]!, shards[2]!]);
  t.same(merged.summary.missingShards, [2]);
  t.equal(merged.summary.targets[0]!.runs, (67 + 66) * merged.summary.targets[0]!.variants.length);
  const out = join(root, 'm');
  writeMergedReport(out, merged, 'merge');
  t.match(readFileSync(join(out, 'summary.md'), 'utf8'), /missing shards: 2/);
});

t.test('reports that cannot be summed are refused', async (t) => {
  const root = t.testdir({ empty: {}, junk: { 'summary.json': '{ not json' } });
  const [a, b] = await shardReports(root, 2);
  t.throws(() => mergeReports([a!, join(root, 'empty')]), { name: 'UsageError', message: /cannot read .*summary\.json/ });
  t.throws(() => mergeReports([a!, join(root, 'junk')]), { name: 'UsageError', message: /cannot read/ });
  t.throws(() => mergeReports([a!, a!]), { name: 'UsageError', message: /given twice/ });
  const again = await report(join(root, 'again'), shardSeeds(SEEDS, parseShard('1/2')), { shard: parseShard('1/2') });
  t.throws(() => mergeReports([a!, again]), { name: 'UsageError', message: /shard 1\/2 given twice/ });
  const pct = await report(join(root, 'pct'), shardSeeds(SEEDS, parseShard('2/2')), { shard: parseShard('2/2') }, 'pct');
  t.throws(() => mergeReports([a!, pct]), { name: 'UsageError', message: /differ in .*strategy/ });
  const plain = await report(join(root, 'plain'), ['1', '2']);
  t.throws(() => mergeReports([a!, plain]), { name: 'UsageError', message: /some reports are shards/ });
  t.throws(() => mergeReports([]), UsageError);
  t.ok(existsSync(join(b!, 'summary.json')));
});

t.test('reports without shard metadata merge too, refusing a seed that failed in both', async (t) => {
  const root = t.testdir({});
  const x = await report(join(root, 'x'), SEEDS.slice(0, 100));
  const y = await report(join(root, 'y'), SEEDS.slice(100));
  const whole = readSummary(await report(join(root, 'whole'), SEEDS));
  const m = mergeReports([y, x]);
  t.same(m.summary.targets[0]!.failures, whole.targets[0]!.failures);
  t.equal(m.summary.shards, null);
  const overlap = await report(join(root, 'overlap'), SEEDS.slice(50, 150));
  t.throws(() => mergeReports([x, overlap]), { name: 'UsageError', message: /failed in both/ });
  // A failure file that went missing leaves the merge unable to describe that failure.
  const entry = readSummary(x).targets[0]!.failures[0]!;
  writeFileSync(join(x, entry.file), '');
  t.throws(() => mergeReports([x, y]), { name: 'UsageError', message: /cannot read failure file/ });
});

t.test('weather statistics merge as sums: each run is in exactly one shard', async (t) => {
  const root = t.testdir({});
  const run = async (dir: string, seeds: string): Promise<string> => {
    const r = await explore({ target: 'raft', variant: ['correct', 'no-lease'], seeds });
    mkdirSync(dir, { recursive: true });
    writeExploreReport(dir, [r], { command: 'interleave run raft', seedSpec: '1..16', seedCount: 16, wallMs: 1, startedAt: '2026-01-01T000000Z' });
    return dir;
  };
  const a = await run(join(root, 'a'), '1..8');
  const b = await run(join(root, 'b'), '9..16');
  const whole = readSummary(await run(join(root, 'whole'), '1..16'));
  const m = mergeReports([a, b]);
  t.ok(whole.targets[0]!.weatherStats !== undefined, 'a network run reports its weather statistics');
  t.same(m.summary.targets[0]!.weatherStats, whole.targets[0]!.weatherStats, 'the merged counts equal one run over every seed');
});
