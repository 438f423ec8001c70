import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, execute } from '../dist/harness/engine/execute.js';
import { formatTap, regress, regressExitCode, saveToCorpus } from '../dist/harness/regress/index.js';
import { makeSchedule, readScheduleFile, writeScheduleFile } from '../dist/harness/replay/index.js';
import latch from '../dist/targets/condvar/latch/index.js';
import { loadTarget } from '../dist/harness/target/load.js';
import { ENGINE_VERSION } from '../dist/harness/version.js';

const targets: Record<string, typeof latch> = { latch };
const resolveTarget = async (ref: string) => {
  const t = targets[ref];
  if (t === undefined) throw new Error(`unknown target ${ref}`);
  return t;
};

async function corpus(): Promise<{ dir: string; bug: string; fine: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-seeds-'));
  let bugRun;
  for (let s = 0; ; s++) {
    bugRun = await execute({ target: latch, variant: 'check-outside-lock', seed: String(s), strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
    if (bugRun.outcome === 'violation') break;
  }
  const bug = saveToCorpus(dir, makeSchedule({ targetRef: 'latch', result: bugRun, options: DEFAULT_OPTIONS }));
  const passRun = await execute({ target: latch, variant: 'correct', seed: '1', strategy: { name: 'random' }, options: DEFAULT_OPTIONS });
  const fine = saveToCorpus(dir, makeSchedule({ targetRef: 'latch', result: passRun, options: DEFAULT_OPTIONS }));
  return { dir, bug, fine };
}

t.test('regress passes a corpus whose outcomes are as expected', async (t) => {
  const { dir, bug } = await corpus();
  t.match(bug, /latch[\\/]check-outside-lock-lost-wakeup-\d+\.json$/);
  const r = await regress({ dir, resolveTarget });
  t.same(r.entries.map((e) => e.status), ['ok', 'ok']);
  t.ok(r.entries.every((e) => e.hashMatches));
  t.equal(regressExitCode(r), 0);
  t.match(formatTap(r), /^TAP version 14\n1\.\.2\nok 1 - latch\/check-outside-lock-lost-wakeup-\d+\.json: violation:lost-wakeup\nok 2 - latch\/correct-pass-1\.json: pass\n/);
});

t.test('regress fails when an entry outcome changes, and --accept rewrites it', async (t) => {
  const { dir, bug } = await corpus();
  // As if the entry was recorded before the bug came in: it expects a pass.
  const s = readScheduleFile(bug);
  writeScheduleFile(bug, { ...s, expect: 'pass' });
  const r = await regress({ dir, resolveTarget });
  const e = r.entries[0]!;
  t.equal(e.status, 'changed');
  t.equal(e.message, 'expected pass, got violation:lost-wakeup');
  t.equal(regressExitCode(r), 1);
  t.match(formatTap(r), /not ok 1 - latch\/.*: expected pass, got violation:lost-wakeup\n  ---\n  expected: "pass"\n  actual: "violation:lost-wakeup"\n  \.\.\./);
  const a = await regress({ dir, resolveTarget, accept: true });
  t.same(a.accepted, [e.path], 'says which it accepted');
  t.equal(regressExitCode(a), 0);
  t.equal(readScheduleFile(bug).expect, 'violation:lost-wakeup', 'the file now expects the violation');
  const again = await regress({ dir, resolveTarget });
  t.same(again.entries.map((x) => [x.status, x.hashMatches]), [['ok', true], ['ok', true]], 'and replays exactly afterwards');
});

t.test('a schedule that no longer fits is stale: a warning with the re-record command', async (t) => {
  const { dir, bug } = await corpus();
  const s = readScheduleFile(bug);
  writeScheduleFile(bug, { ...s, decisions: s.decisions.replace(/^v1:[^,;]+/, 'v1:renamed-task') });
  const r = await regress({ dir, resolveTarget });
  const e = r.entries[0]!;
  t.equal(e.status, 'stale');
  t.match(e.message, /no longer fits the code \(replay diverged at decision 0: expected 'renamed-task'.*re-run from seed \d+: violation:lost-wakeup/);
  t.match(e.rerecord!, /^npx interleave shrink latch --variant check-outside-lock --seed \d+ --fixed-weather --out .*\.json$/);
  t.equal(regressExitCode(r), 0, 'stale is not a failure');
  t.match(formatTap(r), /\nok 1 - latch\/.* # SKIP stale: npx interleave shrink latch/);
});

t.test('an entry of an older engine is stale (engine N): a warning until --accept records it under this engine', async (t) => {
  const { dir, bug, fine } = await corpus();
  t.equal(readScheduleFile(bug).engine, ENGINE_VERSION, 'a new schedule carries this build\'s engine');
  // As written before engines: no field, which reads as engine 1.
  for (const f of [bug, fine]) {
    const { engine: _now, ...old } = readScheduleFile(f);
    writeScheduleFile(f, old);
  }
  const r = await regress({ dir, resolveTarget });
  t.same(r.entries.map((e) => [e.status, e.engine]), [['stale', 1], ['stale', 1]], 'both stale, under engine 1');
  t.match(r.entries[0]!.message, new RegExp(`recorded under engine 1, this build is engine ${ENGINE_VERSION}: its schedule still replays to violation:lost-wakeup`));
  t.equal(r.entries[0]!.rerecord, `npx interleave regress ${dir} --accept`, 'names the command that records it again');
  t.equal(regressExitCode(r), 0, 'a warning, not a failure (exit 0)');
  t.match(formatTap(r), /\nok 1 - latch\/.* # SKIP stale \(engine 1\): npx interleave regress .* --accept\n/);
  // One whose schedule replays to another outcome is changed as any other, and says its engine.
  const { engine: _e, ...old } = readScheduleFile(bug);
  writeScheduleFile(bug, { ...old, expect: 'pass' });
  const c = await regress({ dir, resolveTarget });
  t.equal(c.entries[0]!.status, 'changed');
  t.equal(c.entries[0]!.message, `expected pass, got violation:lost-wakeup (recorded under engine 1, this build is engine ${ENGINE_VERSION})`);
  t.equal(regressExitCode(c), 1);
  writeScheduleFile(bug, old);
  const a = await regress({ dir, resolveTarget, accept: true });
  t.same(a.entries.map((e) => [e.status, e.accepted]), [['ok', true], ['ok', true]], '--accept records both again');
  t.same([readScheduleFile(bug).engine, readScheduleFile(fine).engine], [ENGINE_VERSION, ENGINE_VERSION], 'under this engine');
  t.equal(readScheduleFile(bug).decisions, old.decisions, 'with the same decisions');
  const again = await regress({ dir, resolveTarget });
  t.same(again.entries.map((e) => [e.status, e.hashMatches]), [['ok', true], ['ok', true]], 'and ok afterwards');
  const newer = readScheduleFile(fine);
  writeFileSync(fine, JSON.stringify({ ...newer, engine: ENGINE_VERSION + 1 }));
  const n = await regress({ dir, resolveTarget });
  t.equal(n.entries[1]!.status, 'error', 'an entry of a newer engine is bad input');
  t.match(n.entries[1]!.message, new RegExp(`recorded under engine ${ENGINE_VERSION + 1}, newer than this build's engine ${ENGINE_VERSION}`));
  t.equal(regressExitCode(n), 2);
});

t.test('corrupt entries and unknown targets are errors, a missing corpus is a UsageError', async (t) => {
  const { dir } = await corpus();
  mkdirSync(join(dir, 'zz'));
  writeFileSync(join(dir, 'zz', 'broken.json'), '{"format": "interleave-schedule"');
  const fine = JSON.parse(readFileSync(join(dir, 'latch', 'correct-pass-1.json'), 'utf8'));
  writeFileSync(join(dir, 'zz', 'other.json'), JSON.stringify({ ...fine, target: 'nope' }));
  const r = await regress({ dir, resolveTarget });
  t.same(r.entries.map((e) => e.status), ['ok', 'ok', 'error', 'error']);
  t.match(r.entries[2]!.message, /broken\.json: not a schedule file/);
  t.match(r.entries[3]!.message, /unknown target nope/);
  t.equal(regressExitCode(r), 2, 'an unreadable corpus file is bad input, after every other entry ran');
  const cli = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'dist/harness/cli/main.js'), 'regress', dir], { encoding: 'utf8' });
  t.equal(cli.status, 2);
  t.match(cli.stdout, /^ok \d+ - latch\/correct-pass-1\.json/m, 'the readable entries are still replayed and reported');
  t.match(cli.stderr, /^interleave: .*zz\/broken\.json: .*not a schedule file/m, 'one line names the file');
  await t.rejects(regress({ dir: join(dir, 'missing'), resolveTarget }), { name: 'UsageError' });
});

t.test('the bundled corpus replays as recorded: every entry ok, none stale', async (t) => {
  const r = await regress({ dir: join(import.meta.dirname, '..', 'seeds'), resolveTarget: (ref: string) => loadTarget(ref).then((x) => x.target) });
  t.ok(r.entries.length >= 20, `${r.entries.length} entries`);
  t.same(r.entries.filter((e) => e.status !== 'ok').map((e) => `${e.path}: ${e.status} ${e.message}`), [], 'no entry is stale, changed or broken');
  t.ok(r.entries.every((e) => e.hashMatches === true), 'every entry replays to its recorded hash');
});
