/**
 * Seed lists are read by position: a range of 10^9 seeds, a shard of it, random:N's draw (from a
 * stream the journal records, never the seeds), and a resume that skips what already ran.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPEN_SEEDS, RandomSeeds, SeedRange, SeedShard, parseSeeds } from '../dist/harness/campaign/seeds.js';
import { parseShard, shardSeeds } from '../dist/harness/campaign/shard.js';
import { LongRunWatch, longRunNote } from '../dist/harness/cli/long-run.js';
import { cli, interrupted, sleep, sync } from './lib/no-loss.js';

const BILLION = 1_000_000_000;

t.test('1..1000000000: a range read by position, and a shard of it', async (t) => {
  const heap = process.memoryUsage().heapUsed;
  const all = parseSeeds('1..1000000000');
  t.ok(all instanceof SeedRange, 'a range, not an array');
  t.equal(all.length, BILLION);
  t.equal(all.at(0), '1');
  t.equal(all.at(BILLION / 2), String(BILLION / 2 + 1));
  t.equal(all.at(BILLION - 1), String(BILLION));
  t.equal(all.at(BILLION), undefined, 'past the end');
  t.equal(all.at(-1), undefined, 'no negative positions');
  const shard = shardSeeds(all, parseShard('3/7'));
  t.ok(shard instanceof SeedShard, 'a shard of a range is dealt lazily');
  // Positions 2, 9, 16, …: the last is the largest p < 10^9 with p ≡ 2 (mod 7).
  t.equal(shard.length, Math.floor((BILLION - 3) / 7) + 1);
  t.equal(shard.at(0), '3');
  t.equal(shard.at(1), '10');
  t.equal(shard.at(shard.length - 1), String(BILLION - ((BILLION - 3) % 7)));
  t.equal(shard.at(shard.length), undefined);
  t.ok(process.memoryUsage().heapUsed - heap < 16 * 2 ** 20, 'a billion seeds and a shard of them cost no memory');
  // The shards of a list cover it exactly once, in the order of the list.
  const small = parseSeeds('5..27');
  const dealt = [1, 2, 3].map((i) => shardSeeds(small, parseShard(`${i}/3`)));
  const back: string[] = [];
  for (let p = 0; p < small.length; p++) back.push(dealt[p % 3]!.at(Math.floor(p / 3))!);
  t.same(back, Array.from({ length: 23 }, (_x, k) => String(5 + k)));
  t.equal(parseSeeds('0..9007199254740990').length, 2 ** 53 - 1, 'up to 2^53');
  t.throws(() => parseSeeds('0..9007199254740991'), /2\^53/);
  t.ok(OPEN_SEEDS > 10_000_000, 'an open run is not capped at ten million seeds');
  const list = shardSeeds(['a', 'b', 'c', 'd'], parseShard('2/2'));
  t.same(list, ['b', 'd'], 'an array is still dealt into an array');
});

t.test('random:N: drawn by position from one stream number', async (t) => {
  const a = parseSeeds('random:1000', () => 12345);
  t.ok(a instanceof RandomSeeds);
  const again = parseSeeds('random:1000@12345');
  const other = parseSeeds('random:1000@12346');
  const seen = new Set<string>();
  let same = 0;
  for (let i = 0; i < 1000; i++) {
    if (again.at(i) === a.at(i)) same++;
    seen.add(a.at(i)!);
    if (!/^\d+$/.test(a.at(i)!) || Number(a.at(i)) >= 2 ** 47) t.fail(`seed ${a.at(i)} is not in [0, 2^47)`);
  }
  t.equal(same, 1000, 'random:N@S draws what random:N drew from stream S');
  t.ok(seen.size >= 999, `1000 draws, ${seen.size} distinct`);
  t.not(other.at(0), a.at(0), 'another stream, other seeds');
  const huge = parseSeeds('random:1000000000000@7');
  t.equal(huge.length, 1e12, 'a trillion draws, none made');
  t.match(huge.at(1e12 - 1)!, /^\d+$/, 'the last position reads');
  t.match(huge.at(5e11)!, /^\d+$/, 'and the middle one');
  const prefix = parseSeeds('random:5@7');
  t.same([0, 1, 2, 3, 4].map((i) => prefix.at(i)), [0, 1, 2, 3, 4].map((i) => huge.at(i)), 'random:5@S is the start of random:N@S');
  t.throws(() => parseSeeds('random:10'), /source of fresh seeds/, 'no stream, no draw');
  t.throws(() => parseSeeds('random:0@1'), /1 <= N/);
});

t.test('random:N on the command line: the journal records the stream, and random:N@S runs the same seeds', async (t) => {
  const base = t.testdir({});
  const first = sync(['run', 'bounded-buffer', '--variant', 'correct', '--seeds', 'random:20', '--report-dir', join(base, 'a')]);
  t.equal(first.code, 0, first.err);
  const dirA = join(base, 'a', readdirSync(join(base, 'a'))[0]!);
  const rows = readFileSync(join(dirA, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const header = rows[0]!;
  t.type(header['seedStream'], 'number', 'the header records the stream');
  t.equal(header['seeds'], undefined, 'and not the seeds');
  const stream = header['seedStream'] as number;
  const want = new RandomSeeds(stream, 20);
  t.same(rows.slice(1).map((r) => r['s']), Array.from({ length: 20 }, (_x, i) => want.at(i)), 'the seeds run are the stream\'s');
  t.match(first.out, new RegExp(`draw them again with --seeds random:20@${stream}`));
  const second = sync(['run', 'bounded-buffer', '--variant', 'correct', '--seeds', `random:20@${stream}`, '--report-dir', join(base, 'b')]);
  t.equal(second.code, 0, second.err);
  const dirB = join(base, 'b', readdirSync(join(base, 'b'))[0]!);
  const rowsB = readFileSync(join(dirB, 'journal.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.same(rowsB.map((r) => [r['s'], r['h']]), rows.slice(1).map((r) => [r['s'], r['h']]), 'the same seeds, the same runs');
  const shard = sync(['run', 'bounded-buffer', '--seeds', 'random:20', '--shard', '1/2', '--report-dir', base]);
  t.equal(shard.code, 2);
  t.match(shard.err, /random:20@S/, 'random:N cannot be sharded; random:N@S can');
  const sharded = sync(['run', 'bounded-buffer', '--variant', 'correct', '--seeds', `random:20@${stream}`, '--shard', '2/2', '--report-dir', join(base, 'c')]);
  t.equal(sharded.code, 0, sharded.err);
  const dirC = join(base, 'c', readdirSync(join(base, 'c'))[0]!);
  const rowsC = readFileSync(join(dirC, 'journal.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { s: string }).s);
  t.same(rowsC, Array.from({ length: 10 }, (_x, k) => want.at(2 * k + 1)), 'shard 2/2 of random:20@S: its odd positions');
});

t.test('a list past a day at the measured speed says so, in one line', async (t) => {
  t.equal(longRunNote('--seeds 1..1000', 1000, 100), null, '10 s: no note');
  t.equal(longRunNote('--seeds 1..8640000', 8_640_000, 100), null, 'exactly a day: no note');
  const note = longRunNote('--seeds 1..1000000000', BILLION, 1000);
  t.match(note, /^interleave: note: --seeds 1\.\.1000000000 has 1000000000 runs to go: about 12 days at the 1000 runs\/s measured/);
  t.notMatch(note!, /\n/, 'one line');
  const said: string[] = [];
  const watch = new LongRunWatch('--seeds 1..1000000000', BILLION, (l) => said.push(l));
  watch.seen(1, 5_000); // the first result: loading is not speed
  watch.seen(500, 6_000);
  t.same(said, [], 'not measured before its window');
  watch.seen(2001, 7_000); // 2,000 runs in 2 s
  t.equal(said.length, 1);
  t.match(said[0]!, /has 999997999 runs to go: about 12 days at the 1000 runs\/s/);
  watch.seen(4001, 9_000);
  t.equal(said.length, 1, 'said once');
});

t.test('--seeds 1..1000000000 runs at once, notes its length, and a resume skips what ran', async (t) => {
  const base = t.testdir({});
  const args = ['run', 'bounded-buffer', '--variant', 'correct', '--seeds', '1..1000000000'];
  const child = spawn(process.execPath, [cli, ...args, '--jobs', '2', '--report-dir', join(base, 'note')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  // The note comes once the speed is measured; a generous limit that fails loudly.
  for (let waited = 0; !err.includes('interleave: note:'); waited += 20) {
    if (waited > 300_000) t.fail(`no note after 5 minutes: ${err}`);
    if (waited > 300_000) break;
    await sleep(20);
  }
  child.kill('SIGINT');
  t.equal(await exited, 130);
  t.match(err, /interleave: note: --seeds 1\.\.1000000000 has \d+ runs to go: about \d+ (hours|days|years) at the \d+ runs\/s measured/);

  const cut = await interrupted(join(base, 'cut'), [], 'SIGINT', 300, args);
  t.equal(cut.code, 130, 'a billion seeds, interrupted after 300');
  const journal = join(cut.dir!, 'journal.jsonl');
  const positions = (): number[] => readFileSync(journal, 'utf8').split('\n').slice(1).filter((l) => l.endsWith('}')).map((l) => (JSON.parse(l) as { i: number }).i);
  const before = positions();
  t.same(before, before.map((_p, k) => k), 'the first run journaled positions 0..k-1, in order');
  const resumed = spawn(process.execPath, [cli, 'run', '--resume', cut.dir!], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  resumed.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((res) => resumed.on('exit', (code) => res(code)));
  while (positions().length < before.length + 100) await sleep(20);
  resumed.kill('SIGINT');
  t.equal(await done, 130);
  t.match(out, new RegExp(`resuming .*: ${before.length} of 1000000000 runs already made`));
  const after = positions().slice(before.length);
  t.equal(after[0], before.length, 'the resume starts at the first position not run');
  t.same(after, after.map((_p, k) => before.length + k), 'and runs each later position once');
  const summary = JSON.parse(readFileSync(join(cut.dir!, 'summary.json'), 'utf8')) as { seedCount: number; interrupted: boolean };
  t.equal(summary.seedCount, BILLION);
  t.equal(summary.interrupted, true);
});
