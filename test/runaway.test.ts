/**
 * Broken-by-definition targets must never hang or crash a campaign: a spinning task becomes a
 * `stalled` violation naming it, an allocation storm an `out-of-memory` one, and what a seed
 * leaves behind (rejections, process.exit, a spawn loop) counts against that seed alone.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { explore } from '../dist/harness/campaign/explore.js';
import { type ExploreResult } from '../dist/harness/campaign/tally.js';
import { loadTarget } from '../dist/harness/target/load.js';
import { UsageError } from '../dist/harness/core/errors.js';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/runaway.ts');
const cli = join(root, 'dist/harness/cli/main.js');
// Short stall limits keep the suite quick; the default (1 s, stopped at 4 s) is for real targets.
// `npm run test:under-load` sizes it for the CPU burners it runs beside the tests.
const STALL_MS = Number(process.env['INTERLEAVE_TEST_STALL_MS'] ?? 150);

/** The seeds the fixture misbehaves on: its `probe` variant throws exactly there. */
async function badSeeds(n: number): Promise<Set<string>> {
  const r = await explore({ target: fixture, variant: 'probe', seeds: `1..${n}`, inline: true });
  return new Set(r.failures.map((f) => f.seed));
}

function failing(r: ExploreResult, kind: string): string[] {
  return r.failures.filter((f) => f.kinds.includes(kind)).map((f) => f.seed);
}

t.test('a task in while (true) {} is a stalled violation naming it, at --jobs 1 and 2; the other seeds complete', async (t) => {
  const bad = await badSeeds(8);
  t.ok(bad.size >= 2 && bad.size <= 6, `some seeds spin, some do not (${[...bad].join(',')})`);
  for (const jobs of [1, 2]) {
    const notes: string[] = [];
    const r = await explore({ target: fixture, variant: 'spin', seeds: '1..8', jobs, stallMs: STALL_MS, onNote: (l) => notes.push(l) });
    t.equal(r.runs, 8, `jobs ${jobs}: every seed is counted`);
    t.same(failing(r, 'stalled').sort(), [...bad].sort(), `jobs ${jobs}: exactly the spinning seeds stalled`);
    t.equal(r.passesByVariant['spin'], 8 - bad.size, `jobs ${jobs}: the others passed`);
    const f = r.failures.find((x) => x.kinds.includes('stalled'))!;
    const v = f.result.violations[0]!;
    t.same(v.actors, ['runner'], 'the spinning task is named');
    t.match(v.message, /task runner never yielded: resumed from m\.lock at step \d+/, 'with the operation it resumed from');
    t.match(f.replayCommand, new RegExp(`replay .*runaway\\.ts --variant spin --seed ${f.seed}`), 'and the replay command');
    t.ok(notes.some((n) => /has made no step for/.test(n)), 'the suspicion was announced before the stop');
  }
});

t.test('replaying a stalled seed through the CLI stalls the same way, exits 1, and never hangs', async (t) => {
  const [seed] = [...(await badSeeds(8))];
  const r = spawnSync(process.execPath, [cli, 'replay', fixture, '--variant', 'spin', '--seed', seed!, '--stall-ms', String(STALL_MS)], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 1, r.stderr);
  t.match(r.stdout, /violation: stalled at step \d+ .*\[runner\]/);
});

t.test('an allocation storm is an out-of-memory violation of its seed, and the campaign completes', async (t) => {
  const bad = await badSeeds(4);
  const r = await explore({ target: fixture, variant: 'alloc', seeds: '1..4', jobs: 1, maxHeapMb: 64 });
  t.equal(r.runs, 4, 'every seed is counted');
  t.same(failing(r, 'out-of-memory').sort(), [...bad].sort(), 'exactly the hoarding seeds');
  t.match(r.failures[0]!.result.violations[0]!.message, /out of heap \(--max-heap-mb 64\).*again when run alone/);
});

t.test('a rejection nobody handles counts against the seed that made it, not a later one', async (t) => {
  const bad = await badSeeds(12);
  for (const mode of ['worker', 'inline'] as const) {
    const target = mode === 'worker' ? fixture : (await loadTarget(fixture)).target;
    const r = await explore({ target, variant: 'reject', seeds: '1..12' });
    t.same(failing(r, 'unhandled-rejection').sort(), [...bad].sort(), `${mode}: exactly the seeds that leaked one`);
    t.match(r.failures[0]!.result.violations[0]!.message, /nobody catches this/, `${mode}: with its reason`);
  }
  const quiet = await explore({ target: fixture, variant: 'reject', seeds: '1..12', ignore: ['unhandled-rejection'] });
  t.equal(quiet.failures.length, 0, '--ignore unhandled-rejection silences it');
});

t.test('process.exit() in target code fails that seed; the worker and the campaign go on', async (t) => {
  const bad = await badSeeds(8);
  const r = await explore({ target: fixture, variant: 'exit', seeds: '1..8', jobs: 2 });
  t.equal(r.runs, 8);
  t.same(failing(r, 'uncaught-error').sort(), [...bad].sort());
  t.match(r.failures[0]!.result.violations[0]!.message, /process\.exit\(7\) called by target code/);
});

t.test('a spawn loop is a task-limit violation, bounded by --max-tasks', async (t) => {
  const bad = await badSeeds(6);
  const r = await explore({ target: fixture, variant: 'spawn-loop', seeds: '1..6', maxTasks: 500 });
  t.same(failing(r, 'task-limit').sort(), [...bad].sort());
  const v = r.failures[0]!.result.violations[0]!;
  t.same(v.actors, ['runner']);
  t.match(v.message, /more than --max-tasks 500/);
  t.ok(r.failures[0]!.result.traceWindow.length <= 40, 'the trace window stays bounded');
  t.match(r.failures[0]!.replayCommand, /--max-tasks 500/, 'the replay command keeps the limit');
  await t.rejects(explore({ target: fixture, variant: 'healthy', seeds: '1', maxTasks: 0 }), UsageError);
});

t.test('a healthy variant stays silent under the watchdog over many seeds', async (t) => {
  const r = await explore({ target: fixture, variant: 'healthy', seeds: '1..300', jobs: 2 });
  t.equal(r.failures.length, 0);
  t.equal(r.runs, 300);
});

t.test('a setup that throws on the first seed of every variant stops the run: bad input, exit 2', async (t) => {
  const broken = join(root, 'test/fixtures/broken-setup.ts');
  await t.rejects(explore({ target: broken, seeds: '1..500' }), { name: 'UsageError', message: /broken, not buggy.*config file missing.*broken-setup\.ts:\d+/s });
  const { target } = await loadTarget(broken);
  await t.rejects(explore({ target, seeds: '1..500' }), { name: 'UsageError', message: /config file missing/ });
  const r = spawnSync(process.execPath, [cli, 'run', broken, '--seeds', '1..500', '--report-dir', t.testdir({})], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /^interleave: target broken-setup is broken, not buggy/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('a .ts target outside an ESM package: errors name its file and line, and a broken one is still exit 2', async (t) => {
  // No package.json above a temp dir: Node reads the .ts as CommonJS, the case tsx's import()
  // would route through a data: URL (its whole source in every frame, a fresh id per load).
  const dir = mkdtempSync(join(tmpdir(), 'interleave-cjs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'throws.ts': 'export default { name: "t", variants: ["a"], setup(sim: any) {\n  sim.spawn("t", async () => { throw new Error("boom in task"); });\n} };\n',
    'broken.ts': 'export default { name: "b", variants: ["x", "y"], setup() {\n  throw new Error("config file missing");\n} };\n',
    'tla.ts': 'const v: string[] = await Promise.resolve(["a"]);\nexport default { name: "tla", variants: v, setup(sim: any) { sim.spawn("t", async () => {}); } };\n',
  };
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  const run = (file: string): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [cli, 'run', join(dir, file), '--seeds', '1..2', '--report-dir', join(dir, 'r'), '--quiet'], { encoding: 'utf8', timeout: 60_000 });
  const thrown = run('throws.ts');
  t.equal(thrown.status, 1, String(thrown.stderr));
  t.match(String(thrown.stdout), `${join(dir, 'throws.ts')}:2:`, 'the task\'s frame names the file and line');
  t.notMatch(String(thrown.stdout), /data:text/, 'no data: URL');
  const broken = run('broken.ts');
  t.equal(broken.status, 2, 'a setup that throws alike on both variants is bad input');
  t.match(String(broken.stderr), /broken, not buggy.*config file missing.*broken\.ts:2/s);
  const tla = run('tla.ts');
  t.equal(tla.status, 2, 'top-level await in a CommonJS file is bad input');
  t.match(String(tla.stderr), /^interleave: target file .*tla\.ts failed to load: .*Top-level await.*name it \.mts/);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  t.equal(run('tla.ts').status, 0, 'and loads once its package is ESM');
});
