/**
 * The fidelity fixtures (test/fixtures/fidelity/: published races in npm libraries) load and run
 * in the simulation, and `run --real` runs them on Node's own loop: a fixed variant over a few
 * runs reports no violation, a buggy one prints its rate table (whether a real-timer race fires
 * within a few runs is not asserted: that would be flaky). --real refuses what it cannot run.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';

const cli = join(import.meta.dirname, '..', 'dist', 'harness', 'cli', 'main.js');
const dir = join(import.meta.dirname, 'fixtures', 'fidelity');
const env = { ...process.env, NODE_OPTIONS: '' };
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();

t.test('at least four fixtures, each loads and runs every variant in the simulation', async (t) => {
  t.ok(fixtures.length >= 4, fixtures.join(', '));
  for (const f of fixtures) {
    const r = await explore({ target: join(dir, f), seeds: '1..4', faults: ['none'], jobs: 2 });
    t.equal(r.runs, 4 * r.variants.length, `${f}: ${r.variants.join(', ')} ran`);
    const kinds = Object.keys(r.violationsByKind);
    t.ok(kinds.every((k) => ['assert', 'uncaught-error', 'unhandled-rejection'].includes(k)), `${f}: only the fixture's own checks fire (${kinds.join(', ') || 'none'})`);
  }
});

t.test('--real: a fixed variant over a few runs reports no violation, exit 0', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'run', join(dir, 'debounce.ts'), '--variant', 'fixed', '--real', '--runs', '3'], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /on Node's own loop \(v\d+\.\d+\.\d+, real timers, no simulation\): 3 runs \(1 variant\)/);
  t.match(r.stdout, /^\s+fixed\s+3\s+0\s+0\.0%\s*$/m, 'fixed: 3 runs, 0 failed');
  t.match(r.stdout, /violations by kind: none/);
});

t.test('--real: a buggy variant prints its rate and kinds; exit 1 exactly when a run failed', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'run', join(dir, 'debounce.ts'), '--variant', 'buggy', '--real', '--runs', '2'], { encoding: 'utf8', timeout: 120_000, env });
  const m = /^\s+buggy\s+2\s+(\d)\s+(\d+\.\d)%\s*(.*)$/m.exec(r.stdout);
  t.ok(m !== null, r.stdout);
  const failed = Number(m![1]);
  t.equal(r.status, failed > 0 ? 1 : 0, `exit ${r.status} with ${failed} failing runs`);
  t.equal(Number(m![2]), failed * 50, 'the rate is failed / runs');
  if (failed > 0) {
    t.match(m![3]!, new RegExp(`^assert ${failed} \\(${(failed * 50).toFixed(1)}%\\)$`), 'kind, count and rate');
    t.match(r.stdout, /✗ buggy run \d: assert: assertion failed: the debounced function ran \d+ ms after the latest call/);
  }
});

t.test('--real refuses what it cannot run: exit 2 with one line', async (t) => {
  const cases: [string[], RegExp][] = [
    [['bounded-buffer'], /not one/],
    [[join(import.meta.dirname, 'fixtures', 'host-lease.ts'), '--variant', 'correct'], /declares 3 network nodes \(sim\.node\)/],
    [[join(import.meta.dirname, 'fixtures', 'process-bad.ts'), '--variant', 'two'], /declares 2 sim\.processes \(it needs exactly one\)/],
    [[join(dir, 'debounce.ts'), '--seeds', '1..5'], /drop --seeds/],
    [[join(dir, 'debounce.ts'), '--variant', 'nope'], /unknown variant 'nope'/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync(process.execPath, [cli, 'run', ...args, '--real', '--runs', '1'], { encoding: 'utf8', timeout: 120_000, env });
    t.equal(r.status, 2, `${args.join(' ')}: exit 2 (${r.stderr})`);
    t.match(r.stderr, re);
  }
  const runs = spawnSync(process.execPath, [cli, 'run', join(dir, 'debounce.ts'), '--runs', '3', '--seeds', '1..2'], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(runs.status, 2, '--runs without --real');
  t.match(runs.stderr, /--runs belongs to --real/);
});
