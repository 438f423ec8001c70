/**
 * What a newcomer tripped on, fixed: --quiet, compact random:N, the replay --schedule verdicts,
 * flags that do not apply said so, and a timeline that reads well.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

t.test('--quiet prints only the failures, and nothing for a clean run', async (t) => {
  const dir = t.testdir({});
  const clean = run(['run', 'latch', '--variant', 'correct', '--seeds', '1..30', '--quiet', '--report-dir', dir]);
  t.equal(clean.code, 0);
  t.equal(clean.out, '', 'nothing to say');
  const bad = run(['run', 'latch', '--seeds', '1..30', '--quiet', '--report-dir', dir]);
  t.equal(bad.code, 1);
  const lines = bad.out.trim().split('\n');
  t.ok(lines.every((l) => /^(✗ latch check-outside-lock seed \d+: lost-wakeup|    replay: npx interleave replay latch|…and \d+ more)/.test(l)), bad.out);
});

t.test('random:N prints a few seeds and the spec that draws them all again', async (t) => {
  const dir = t.testdir({});
  const r = run(['run', 'latch', '--variant', 'correct', '--seeds', 'random:300', '--report-dir', dir]);
  t.equal(r.code, 0);
  const line = r.out.split('\n').find((l) => l.startsWith('seeds drawn'))!;
  t.ok(line.length < 300, `one short line (${line.length} chars)`);
  const journal = join(dir, readdirSync(dir)[0]!, 'journal.jsonl');
  const stream = (JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!) as { seedStream: number }).seedStream;
  t.match(line, new RegExp(`\\(300 in all\\); draw them again with --seeds random:300@${stream}$`));
});

t.test('replay --schedule: 0 or 1 as recorded, 4 when the run is not the recorded one, 2 with --seed', async (t) => {
  const dir = t.testdir({});
  const entry = join(root, 'seeds/latch', readdirSync(join(root, 'seeds/latch')).find((f) => f.includes('lost-wakeup'))!);
  const same = run(['replay', '--schedule', entry]);
  t.equal(same.code, 1, 'the recorded violation, the recorded hash');
  t.match(same.out, /recorded hash [0-9a-f]+ matches/);
  // The same schedule told to expect a pass: the run is not what the file says.
  const file = join(dir, 'changed.json');
  copyFileSync(entry, file);
  const s = JSON.parse(readFileSync(file, 'utf8')) as { expect: string; decisionHash: string };
  s.decisionHash = '0000000000000000';
  writeFileSync(file, JSON.stringify(s, null, 2));
  const differs = run(['replay', '--schedule', file]);
  t.equal(differs.code, 4, differs.out + differs.err);
  t.match(differs.out, /DIFFERS/);
  const seed = run(['replay', '--schedule', entry, '--seed', '3']);
  t.equal(seed.code, 2);
  t.match(seed.err, /^interleave: --seed does not go with --schedule/);
});

t.test('network faults on a thread-only target are named in one line', async (t) => {
  const r = run(['run', 'latch', '--variant', 'correct', '--faults', 'drop,spurious', '--seeds', '1..5', '--report-dir', t.testdir({})]);
  t.equal(r.code, 0);
  t.match(r.err, /--faults drop: latch makes no network nodes, so only spurious/);
});

t.test('the timeline shows sends and leadership signals, no empty results, plain times', async (t) => {
  const r = run(['replay', 'raft', '--variant', 'correct', '--seed', '1', '--trace']);
  t.equal(r.code, 0);
  t.match(r.out, / send n\d→n\d:[a-z-]+#\d+/);
  t.match(r.out, / signalLeadership leader term \d+\n/);
  t.notMatch(r.out, /\[object Object\]/);
  t.notMatch(r.out, /→ ""/);
  t.notMatch(r.out, /\d\.\d{4,}ms/, 'no float noise in times');
});
