/**
 * sim.process: a single process with no network. No network fault is ever drawn for it (the
 * weather line and fault log say so), crashes strike only a process that declares what a restart
 * means, ctx.host.atEnd runs once at the run's end, the summary leaves out what means nothing for
 * one process, and bad declarations exit 2.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { explore } from '../dist/harness/campaign/explore.js';
import type { RunResult } from '../dist/harness/engine/execute.js';
import type { ProcessContext, Target } from '../dist/harness/core/api.js';

const cli = join(import.meta.dirname, '..', 'dist', 'harness', 'cli', 'main.js');
const bad = join(import.meta.dirname, 'fixtures', 'process-bad.ts');
const debounce = join(import.meta.dirname, 'fixtures', 'fidelity', 'debounce.ts');
const env = { ...process.env, NODE_OPTIONS: '' };

/** A small hosted workload: timers at random delays, a counter, an end-of-run hook. */
function target(restart: boolean, hookCalls: { reason: string }[]): Target {
  return {
    name: 'one-process',
    description: 'timers on one process',
    variants: ['correct', 'end-assert'],
    host: true,
    setup(sim, { variant }) {
      sim.process('app', (ctx: ProcessContext) => {
        let done = 0;
        ctx.host!.atEnd((end) => {
          hookCalls.push({ reason: end.reason });
          ctx.assert(variant !== 'end-assert', `the end-of-run hook saw ${done} timers`);
        });
        for (let i = 0; i < 6; i++) setTimeout(() => { done++; }, 1 + Math.floor(ctx.random() * 200));
      }, restart ? { restart: 'rerun' } : {});
    },
  };
}

const NETWORK_FAULTS = ['partition', 'heal', 'drop', 'duplicate', 'reorder', 'delay', 'clog', 'clock-skew', 'lose-unsynced'];

t.test('default weather: no network fault drawn, no crash without restart, a process weather line', async (t) => {
  const runs: RunResult[] = [];
  await explore({ target: target(false, []), variant: 'correct', seeds: '1..60', onResult: (r) => { runs.push(r); } });
  t.equal(runs.length, 60);
  const kinds = new Set(runs.flatMap((r) => r.faultLog.map((f) => f.fault)));
  for (const k of NETWORK_FAULTS) t.notOk(kinds.has(k), `no ${k} in 60 seeds of default weather`);
  t.notOk(kinds.has('crash'), 'no crash: the process declares no restart');
  t.ok(kinds.has('pause'), `stop-the-world pauses are drawn (${[...kinds].join(', ')})`);
  for (const r of runs) {
    t.equal(r.faultLog[0]?.fault, 'weather');
    t.match(r.faultLog[0]!.detail, /^one process, no network/, 'the weather line names no latency');
    t.notMatch(r.faultLog[0]!.detail, /nemesis aims at the leader|drifts|partition|drop|duplicate/);
    t.equal(r.weather?.scope, 'process');
    t.same(Object.keys(r.weather!.faults).filter((k) => k !== 'pause'), [], 'the applied weather keeps pauses only');
    t.equal(r.process, true);
    t.notOk(r.network, 'not a network run');
  }
});

t.test("restart: 'rerun' lets the crash fault strike, and main runs again", async (t) => {
  const runs: RunResult[] = [];
  await explore({ target: target(true, []), variant: 'correct', seeds: '1..30', faults: ['crash'], faultRates: ['crash=0.9'], fixedWeather: true, onResult: (r) => { runs.push(r); } });
  const crashes = runs.flatMap((r) => r.faultLog.filter((f) => f.fault === 'crash'));
  const restarts = runs.flatMap((r) => r.faultLog.filter((f) => f.fault === 'restart'));
  t.ok(crashes.length > 0, `${crashes.length} crashes in 30 seeds at rate 0.9`);
  t.ok(restarts.some((f) => /incarnation 2/.test(f.detail)), 'a restart ran main again as incarnation 2');
  const none: RunResult[] = [];
  await explore({ target: target(false, []), variant: 'correct', seeds: '1..30', faults: ['crash'], faultRates: ['crash=0.9'], fixedWeather: true, onResult: (r) => { none.push(r); } });
  t.equal(none.flatMap((r) => r.faultLog.filter((f) => f.fault === 'crash')).length, 0, 'without restart, the same rate crashes nothing');
});

t.test('ctx.host.atEnd runs once per run, at its end, and its assertion fails the run', async (t) => {
  const calls: { reason: string }[] = [];
  const ok = await explore({ target: target(false, calls), variant: 'correct', seeds: '1..10', faults: ['none'], strategy: 'random' }); // no pilot runs
  t.equal(ok.failuresByVariant['correct'] ?? 0, 0);
  t.equal(calls.length, 10, 'one call per run');
  t.ok(calls.every((c) => c.reason === 'quiescent'), 'after the workload: quiescent');
  const cut: { reason: string }[] = [];
  await explore({ target: target(false, cut), variant: 'correct', seeds: '1..5', faults: ['none'], durationMs: 2, strategy: 'random' });
  t.ok(cut.length === 5 && cut.every((c) => c.reason === 'duration'), 'a run cut off by --duration says so');
  const failing = await explore({ target: target(false, []), variant: 'end-assert', seeds: '1..5', faults: ['none'] });
  t.equal(failing.failuresByVariant['end-assert'], 5);
  t.same(Object.keys(failing.violationsByKind), ['assert']);
  t.match(failing.failures[0]!.first.message, /the end-of-run hook saw 6 timers/, 'the hook ran after every timer fired');
});

t.test('the summary leaves out what means nothing for one process', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'run', debounce, '--variant', 'fixed', '--seeds', '1..20', '--strategy', 'pct'], { encoding: 'utf8', timeout: 300_000, env });
  t.equal(r.status, 0, r.stderr);
  t.notMatch(r.stdout, /distinct abstract states/, 'no "0 distinct abstract states"');
  t.notMatch(r.stdout, /pct guarantee/, 'no PCT bound "among n=1 tasks"');
  t.notMatch(r.stdout, /nemesis aims at the leader/);
});

t.test('bad declarations exit 2 with one line', async (t) => {
  for (const [variant, re] of [['bad-restart', /restart must be 'rerun'/], ['mixed', /network nodes \(sim\.node\) or single processes \(sim\.process\), not both/]] as const) {
    const r = spawnSync(process.execPath, [cli, 'run', bad, '--variant', variant, '--seeds', '1..3'], { encoding: 'utf8', timeout: 120_000, env });
    t.equal(r.status, 2, `${variant}: exit 2 (${r.stdout.slice(-300)} ${r.stderr})`);
    t.match(r.stderr, re, variant);
  }
  const ok = spawnSync(process.execPath, [cli, 'run', bad, '--variant', 'ok,two', '--seeds', '1..3'], { encoding: 'utf8', timeout: 120_000, env });
  t.equal(ok.status, 0, `one or two well-formed processes run clean (${ok.stderr})`);
});
