/**
 * `--strategy guided` (issue 14): its failures replay from their schedule files in another
 * process; a campaign with the same seeds and the same guide
 * corpus is the same campaign at --jobs 1; a corrupt or foreign guide file is exit 2, one line.
 * That it finds, within a stated number of seeds, a bug random exploration misses over many more,
 * and is silent on the correct variant, is the sweep in test/sweeps/guided.test.ts.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/harness/cli/main.js');
const LOCK = join(root, 'test/fixtures/guided-lock.ts');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('a guided failure is a schedule file that replays to the same hash in another process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'guided-'));
  const r = run(['run', LOCK, '--variant', 'buggy', '--seeds', '1..700', '--strategy', 'guided', '--report-dir', dir]);
  t.equal(r.code, 1, r.err);
  const report = join(dir, readdirSync(dir)[0]!);
  const schedules = readdirSync(join(report, 'failures')).filter((f) => f.endsWith('.schedule.json'));
  t.ok(schedules.length > 0, `${schedules.length} schedule files`);
  const file = join(report, 'failures', schedules[0]!);
  const s = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(s.strategy.name, 'replay', 'the schedule names no strategy that could remake it from its seed');
  t.match(r.out, `replay: npx interleave replay --schedule ${file}`, 'the printed replay command is the schedule');
  const rep = run(['replay', '--schedule', file]);
  t.equal(rep.code, 1, 'the violation, found again (4 would say it was not the recorded run)');
  t.match(rep.out, `recorded hash ${s.decisionHash} matches`);
  const summary = JSON.parse(readFileSync(join(report, 'summary.json'), 'utf8'));
  t.match(summary.targets[0].failures[0].replayCommand, /--schedule .*\.schedule\.json$/);
  const replaySeed = run(['replay', LOCK, '--variant', 'buggy', '--seed', '3', '--strategy', 'guided']);
  t.equal(replaySeed.code, 2, 'a guided run is not replayed from its seed');
  t.equal(replaySeed.err.trim().split('\n').length, 1);
});

t.test('run --shrink --save-failures shrinks a guided failure with the usual shrinker and saves it as a replay schedule', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'guided-shrink-'));
  const seedsDir = mkdtempSync(join(tmpdir(), 'guided-seeds-'));
  const r = run(['run', LOCK, '--variant', 'buggy', '--seeds', '1..600', '--strategy', 'guided', '--shrink', '--save-failures', '--seeds-dir', seedsDir, '--shrink-budget', '3000runs', '--report-dir', dir]);
  t.equal(r.code, 1, r.err);
  t.match(r.out, /shrunk buggy seed \d+ \(assert\)/);
  const saved = readdirSync(join(seedsDir, 'guided-lock'));
  t.equal(saved.length, 1, saved.join(', '));
  const s = JSON.parse(readFileSync(join(seedsDir, 'guided-lock', saved[0]!), 'utf8'));
  t.same([s.strategy.name, s.expect], ['replay', 'violation:assert']);
  const reg = run(['regress', seedsDir]);
  t.equal(reg.code, 0, reg.out + reg.err);
  t.match(reg.out, /ok 1 - .*: violation:assert/);
});

t.test('the same seeds and the same guide corpus make the same campaign at --jobs 1', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'guide-dir-'));
  const reports = mkdtempSync(join(tmpdir(), 'guide-rep-'));
  const first = run(['run', LOCK, '--variant', 'buggy', '--seeds', '1..150', '--strategy', 'guided', '--guide-dir', base, '--report-dir', reports]);
  t.ok(first.code === 0 || first.code === 1, first.err);
  const files = readdirSync(base);
  t.equal(files.length, 1, `one guide file: ${files.join(', ')}`);
  const saved = JSON.parse(readFileSync(join(base, files[0]!), 'utf8'));
  t.equal(saved.format, 'interleave-guide');
  t.ok(saved.entries.length >= 1, `${saved.entries.length} entries saved`);
  const a = mkdtempSync(join(tmpdir(), 'guide-a-'));
  const b = mkdtempSync(join(tmpdir(), 'guide-b-'));
  cpSync(base, a, { recursive: true });
  cpSync(base, b, { recursive: true });
  const opts = { target: LOCK, variant: 'buggy', seeds: '151..650', strategy: 'guided', hashes: true, jobs: 1 };
  const ra = await explore({ ...opts, guideDir: a });
  const rb = await explore({ ...opts, guideDir: b });
  t.equal(ra.guide!.loaded, saved.entries.length, 'the campaign started from the saved corpus');
  t.same(ra.hashes, rb.hashes, 'every run the same');
  t.same(ra.failures.map((f) => f.seed), rb.failures.map((f) => f.seed));
  t.equal(readFileSync(join(a, files[0]!), 'utf8'), readFileSync(join(b, files[0]!), 'utf8'), 'the same corpus saved');
  const cold = await explore({ ...opts, guideDir: mkdtempSync(join(tmpdir(), 'guide-c-')) });
  t.notSame(cold.hashes, ra.hashes, 'a campaign from an empty corpus is another campaign');
  const two = await explore({ ...opts, jobs: 2, hashes: false, guideDir: mkdtempSync(join(tmpdir(), 'guide-d-')) });
  t.equal(two.runs, 500, '--jobs 2 shares one corpus between its workers and runs every seed');
});

t.test('a corrupt guide file, or one of another harness version, is exit 2 with one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'guide-bad-'));
  const reports = mkdtempSync(join(tmpdir(), 'guide-rep-'));
  const args = ['run', LOCK, '--variant', 'correct', '--seeds', '1..20', '--strategy', 'guided', '--guide-dir', dir, '--report-dir', reports];
  t.equal(run(args).code, 0);
  const file = join(dir, readdirSync(dir)[0]!);
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.slice(0, good.length / 2));
  let r = run(args);
  t.equal(r.code, 2);
  t.equal(r.err.trim().split('\n').length, 1, r.err);
  t.match(r.err, /guide file .*corrupt.*delete it/);
  writeFileSync(file, good.replace(/"harness":"[^"]*"/, '"harness":"0.0.9"'));
  r = run(args);
  t.equal(r.code, 2);
  t.match(r.err, /written by harness 0\.0\.9/);
  t.equal(r.err.trim().split('\n').length, 1);
  writeFileSync(file, good.replace(/"target":"guided-lock"/, '"target":"raft"'));
  t.match(run(args).err, /for target raft variant correct, not guided-lock correct/);
  const noGuided = run(['run', LOCK, '--seeds', '1..2', '--guide-dir', dir, '--report-dir', reports]);
  t.equal(noGuided.code, 2);
  t.match(noGuided.err, /--guide-dir keeps the corpus of --strategy guided/);
});
