import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS, execute, type RunResult } from '../dist/harness/engine/execute.js';
import { signatureOf } from '../dist/harness/core/signature.js';
import { formatTap, regress, regressExitCode } from '../dist/harness/regress/index.js';
import { formatSchedule, makeSchedule, parseSchedule, runDecisions } from '../dist/harness/replay/index.js';
import { parseShrinkSame, shrink } from '../dist/harness/shrink/index.js';
import { ShrinkPool } from '../dist/harness/shrink/pool.js';
import { loadTarget } from '../dist/harness/target/load.js';
import twoAsserts, { HALF_WRITTEN, TOO_EARLY } from './fixtures/two-asserts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(ROOT, 'test/fixtures/two-asserts.ts');
const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/harness/cli/main.js'), ...args], { encoding: 'utf8' });
const spec = (seed: string) => ({ target: twoAsserts, variant: 'buggy', seed, strategy: { name: 'random' }, options: DEFAULT_OPTIONS });

/** The first seed whose run fails the assertion that needs the longer run. */
async function failsLong(): Promise<RunResult> {
  for (let i = 0; i < 200; i++) {
    const r = await execute(spec(String(i)));
    if (r.violations[0]?.message.includes(HALF_WRITTEN) === true) return r;
  }
  throw new Error('no seed fails the half-written assertion among 200');
}

t.test('a shrink keeps the assertion it started from; --shrink-same kind lets it slide to a shorter one', async (t) => {
  const r = await failsLong();
  const was = signatureOf(r.violations[0]!);
  t.equal(was, `assert:checker ${HALF_WRITTEN}: # of # rows`, 'the original signature masks the row counts');
  const kept = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', maxRuns: 500 });
  t.match(kept.result.violations[0]!.message, HALF_WRITTEN, 'by default the shrunk run fails the same assertion');
  t.equal(kept.signature, was, 'with the same signature');
  t.ok(kept.after.steps <= kept.before.steps, `steps ${kept.before.steps} → ${kept.after.steps}`);
  const strict = await runDecisions(spec(r.seed), kept.decisions, { mode: 'strict' });
  t.equal(signatureOf(strict.result.violations[0]!), was, 'and its decisions replay strictly to it');

  const slid = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', same: 'kind', maxRuns: 500 });
  t.match(slid.result.violations[0]!.message, TOO_EARLY, 'by kind alone it ends on the other assertion');
  t.equal(slid.signature, `assert:checker ${TOO_EARLY}`);
  t.ok(slid.after.steps < kept.after.steps, `which takes fewer steps: ${slid.after.steps} < ${kept.after.steps}`);

  const explicit = await shrink({ ...spec(r.seed), decisions: r.decisions, kind: 'assert', same: 'signature', maxRuns: 500 });
  t.same([explicit.decisions, explicit.runs], [kept.decisions, kept.runs], '`signature` is the default');
});

t.test('--shrink-same on the command line: the schedule records the signature; a bad value is exit 2', async (t) => {
  const r = await failsLong();
  const dir = mkdtempSync(join(tmpdir(), 'interleave-same-'));
  const run = (out: string, extra: string[]) => cli(['shrink', FIXTURE, '--variant', 'buggy', '--seed', r.seed, '--shrink-budget', '500runs', '--out', out, ...extra]);
  const kept = run(join(dir, 'kept.json'), []);
  t.equal(kept.status, 1, kept.stderr);
  t.match(kept.stdout, `signature: assert:checker ${HALF_WRITTEN}: # of # rows\n`);
  t.equal(JSON.parse(readFileSync(join(dir, 'kept.json'), 'utf8')).signature, `assert:checker ${HALF_WRITTEN}: # of # rows`, 'the file records it');
  const slid = run(join(dir, 'slid.json'), ['--shrink-same', 'kind']);
  t.equal(slid.status, 1, slid.stderr);
  t.match(slid.stdout, `signature: assert:checker ${TOO_EARLY} (the original's: assert:checker ${HALF_WRITTEN}: # of # rows)\n`, 'says it slid, and from what');
  t.equal(JSON.parse(readFileSync(join(dir, 'slid.json'), 'utf8')).signature, `assert:checker ${TOO_EARLY}`);

  for (const args of [['shrink', 'latch', '--variant', 'check-outside-lock', '--seed', '1'], ['run', 'latch', '--seeds', '1..2', '--shrink', '--report-dir', dir]]) {
    const bad = cli([...args, '--shrink-same', 'message']);
    t.equal(bad.status, 2, `${args[0]}: exit 2`);
    t.equal(bad.stderr.trim().split('\n').length, 1, `${args[0]}: one line`);
    t.match(bad.stderr, /--shrink-same "message": give signature \(the default: the same failure\) or kind \(any failure of its kind\)/);
  }
  t.equal(parseShrinkSame(undefined), 'signature');
  t.equal(parseShrinkSame('kind'), 'kind');
  t.throws(() => parseShrinkSame('Kind'), { name: 'UsageError' });
});

t.test('the worker pool slims a result by the failure sought: its signature, or any of the kind', async (t) => {
  const r = await failsLong();
  const pool = new ShrinkPool({ target: twoAsserts, variant: 'buggy', seed: r.seed, strategy: r.strategy }, { targetRef: FIXTURE, workers: 1 });
  try {
    const job = { type: 'list' as const, list: r.decisions, withOptions: false, options: { ...DEFAULT_OPTIONS, traceWindow: 0 } };
    const size = (res: Awaited<ReturnType<typeof pool.start>>): number => (res.type === 'list' ? res.candidate.list.length : -1);
    const same = await pool.start(job, { kind: 'assert', signature: signatureOf(r.violations[0]!) });
    t.equal(size(same), r.decisions.length, 'the failure sought comes back whole');
    t.equal(same.type === 'list' ? same.candidate.signature : null, signatureOf(r.violations[0]!), 'with its signature');
    const other = await pool.start(job, { kind: 'assert', signature: `assert:checker ${TOO_EARLY}` });
    t.equal(size(other), 0, 'another assertion of the kind comes back slim');
    const anyOfKind = await pool.start(job, { kind: 'assert', signature: null });
    t.equal(size(anyOfKind), r.decisions.length, 'under --shrink-same kind it comes back whole');
  } finally {
    await pool.close();
  }
});

t.test('regress: an entry whose recorded signature differs is changed, and says from what to what', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleave-sig-seeds-'));
  mkdirSync(join(dir, 'wait-unlock-misuse'));
  const file = join(dir, 'wait-unlock-misuse', 'entry.json');
  copyFileSync(join(ROOT, 'seeds/wait-unlock-misuse/check-after-wait-unlock-assert-1.json'), file);
  const resolveTarget = async (ref: string) => (await loadTarget(ref)).target;
  const original = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const write = (o: Record<string, unknown>): void => writeFileSync(file, `${JSON.stringify(o, null, 2)}\n`);

  const old = await regress({ dir, resolveTarget });
  t.equal(old.entries[0]!.status, 'ok', 'an entry without a signature is held to its kind, as before');
  const actual = 'assert:worker-# released a resource held by nobody: it was handed out twice';

  write({ ...original, signature: actual });
  t.equal((await regress({ dir, resolveTarget })).entries[0]!.status, 'ok', 'its own signature: ok');

  const other = 'assert:worker-# released a resource twice';
  write({ ...original, signature: other });
  const r = await regress({ dir, resolveTarget });
  const e = r.entries[0]!;
  t.equal(e.status, 'changed');
  t.equal(e.message, `expected violation:assert with signature ${other}, got signature ${actual}`);
  t.same([e.expectedSignature, e.actualSignature], [other, actual]);
  t.equal(regressExitCode(r), 1);
  t.match(formatTap(r), `  expectedSignature: ${JSON.stringify(other)}\n  actualSignature: ${JSON.stringify(actual)}\n`);

  const a = await regress({ dir, resolveTarget, accept: true });
  t.match(a.entries[0]!.message, `(accepted: now expects signature ${actual})`);
  t.equal(parseSchedule(readFileSync(file, 'utf8'), file).signature, actual, '--accept records the new signature');
  t.equal((await regress({ dir, resolveTarget })).entries[0]!.status, 'ok');

  write({ ...original, signature: 'deadlock:stuck on m' });
  const wrongKind = await regress({ dir, resolveTarget });
  t.equal(wrongKind.entries[0]!.status, 'error', 'a signature of another kind than expected is a corrupt file');
  t.match(wrongKind.entries[0]!.message, /'signature' must start with the expected kind 'assert'/);
  t.equal(regressExitCode(wrongKind), 2);

  // The command line says it too.
  write({ ...original, signature: other });
  const c = cli(['regress', dir]);
  t.equal(c.status, 1, c.stderr);
  t.match(c.stdout, `not ok 1 - wait-unlock-misuse/entry.json: expected violation:assert with signature ${other}, got signature ${actual}`);
  const rep = cli(['replay', '--schedule', file]);
  t.equal(rep.status, 4, 'replay --schedule: the run is not the recorded failure');
  t.match(rep.stdout, `expected signature: ${other}, got: ${actual}`);
});

t.test('schedule files: the signature is optional, a string, and names the expected kind', async (t) => {
  const r = await failsLong();
  const s = makeSchedule({ targetRef: FIXTURE, result: r, options: DEFAULT_OPTIONS });
  t.equal(s.signature, signatureOf(r.violations[0]!), 'a violation\'s schedule records its signature');
  t.same(Object.keys(s).slice(Object.keys(s).indexOf('expect'), Object.keys(s).indexOf('expect') + 2), ['expect', 'signature'], 'next to what it refines');
  const text = formatSchedule(s);
  const o = JSON.parse(text) as Record<string, unknown>;
  const parse = (x: Record<string, unknown>) => () => parseSchedule(JSON.stringify(x), 'f.json');
  t.doesNotThrow(parse({ ...o, signature: undefined }), 'absent: an old file');
  t.throws(parse({ ...o, signature: 3 }), { message: /'signature' must be a non-empty string/ });
  t.throws(parse({ ...o, signature: '' }), { message: /'signature' must be a non-empty string/ });
  t.throws(parse({ ...o, signature: 'assertion:x' }), { message: /must start with the expected kind 'assert'/ });
  t.doesNotThrow(parse({ ...o, expect: 'pass' }), 'beside an expected pass (set by hand) it is left alone');
  let passing: RunResult | null = null;
  for (let i = 0; passing === null; i++) {
    const x = await execute(spec(String(i)));
    if (x.outcome === 'pass') passing = x;
  }
  const pass = makeSchedule({ targetRef: FIXTURE, result: passing, options: DEFAULT_OPTIONS });
  t.same([pass.expect, 'signature' in pass], ['pass', false], 'a passing schedule records none');
});
