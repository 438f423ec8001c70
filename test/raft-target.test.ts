/**
 * The bundled Raft target (targets/raft): `correct` stays clean under every fault inside its
 * declared margins, breaks them visibly beyond, and each planted bug is caught by the detector
 * that names it within a measured number of seeds, on a seed that replays to the same hash.
 */
import t from 'tap';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/core/execute.js';
import type { RunResult } from '../dist/harness/core/execute.js';
import type { Run, RunOptions } from '../dist/harness/core/run.js';
import type { Target } from '../dist/harness/core/api.js';
import { resolveFaults } from '../dist/harness/core/faults.js';
import { networkOf, type NetStats } from '../dist/harness/net/index.js';
import raft, { makeRaftTarget } from '../dist/targets/raft/index.js';

const ALL = resolveFaults(['all']);
const BASE: RunOptions = { ...DEFAULT_OPTIONS, durationMs: 10_000, maxSteps: 1_000_000 };

async function run(target: Target, variant: string, seed: string, options: Partial<RunOptions> = {}, stats?: NetStats[]): Promise<RunResult> {
  let engine: Run | null = null;
  const r = await execute({
    target, variant, seed, strategy: { name: 'random' }, options: { ...BASE, ...options },
    extend: (e) => {
      engine = e;
    },
  });
  // The network is made when setup declares the first node: read it once the run is over.
  const net = engine === null ? undefined : networkOf(engine);
  if (stats !== undefined && net !== undefined) stats.push(net.stats);
  return r;
}

const kinds = (r: RunResult): string[] => r.violations.map((v) => v.kind);

t.test('the target object: variants, expectations, margins, defaults', async (t) => {
  t.equal(raft.name, 'raft');
  t.same(raft.variants.length, 9, 'nine variants');
  for (const v of raft.variants) t.type(raft.expect?.[v], 'string', `${v} has an expected outcome`);
  t.equal(raft.expect?.['correct'], 'pass');
  t.same(raft.assumptions, { maxDriftPpm: 2_000, maxPauseMs: 25 });
  t.equal(raft.defaults?.durationMs, 10_000);
  const five = makeRaftTarget({ nodes: 5 });
  t.equal(five.name, 'raft-5');
  t.throws(() => makeRaftTarget({ nodes: 0 }), RangeError);
  const bad = await run(raft, 'no-such-variant', '0');
  t.same(kinds(bad), ['uncaught-error'], 'an unknown variant fails setup');
});

/** Runs seeds 0..n-1 and returns the outcomes by kind, plus the wall time. */
async function sweep(target: Target, variant: string, n: number, options: Partial<RunOptions>, stats?: NetStats[]) {
  const byKind: Record<string, string[]> = {};
  const t0 = performance.now();
  let steps = 0;
  for (let s = 0; s < n; s++) {
    const r = await run(target, variant, String(s), options, stats);
    steps += r.steps;
    const k = kinds(r).join(',') || 'pass';
    (byKind[k] ??= []).push(String(s));
  }
  return { byKind, ms: performance.now() - t0, steps };
}

t.test('correct: no violation over 1,000 seeds with every fault, 3 nodes', async (t) => {
  const stats: NetStats[] = [];
  const { byKind, ms, steps } = await sweep(raft, 'correct', 1_000, { faults: ALL }, stats);
  t.same(Object.keys(byKind), ['pass'], `outcomes: ${JSON.stringify(Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.slice(0, 5)])))}`);
  const delivered = stats.reduce((a, s) => a + s.delivered, 0);
  t.ok(delivered > 1_000 * 100, `every run exchanged messages (${delivered} delivered)`);
  t.comment(`correct ×1000 (3 nodes, faults all): ${(ms / 1000).toFixed(1)} s, ${(1000 / (ms / 1000)).toFixed(1)} seeds/s, ` +
    `${Math.round(steps / 1000)} steps/run, ${Math.round(delivered / (ms / 1000))} delivered msgs/s`);
});

t.test('correct: no violation over 150 seeds with every fault, 5 nodes', async (t) => {
  const five = makeRaftTarget({ nodes: 5 });
  const { byKind, ms } = await sweep(five, 'correct', 150, { faults: ALL });
  t.same(Object.keys(byKind), ['pass'], `outcomes: ${JSON.stringify(byKind)}`);
  t.comment(`correct ×150 (5 nodes, faults all): ${(ms / 1000).toFixed(1)} s`);
});

t.test('correct really faced the faults: pauses and drift inside its margins, crashes, partitions', async (t) => {
  const seen = new Set<string>();
  let maxPause = 0;
  for (let s = 0; s < 10; s++) {
    const r = await run(raft, 'correct', String(s), { faults: ALL });
    for (const f of r.faultLog) {
      seen.add(f.fault);
      const m = /paused for (\d+)ms/.exec(f.detail);
      if (m) maxPause = Math.max(maxPause, Number(m[1]));
    }
    t.equal(r.outcome, 'pass');
  }
  for (const f of ['drop', 'duplicate', 'reorder', 'delay', 'partition', 'crash', 'clock-skew', 'pause', 'restart']) t.ok(seen.has(f), `${f} happened`);
  t.ok(maxPause > 0 && maxPause <= 25, `pauses stay within maxPauseMs=25 (longest ${maxPause} ms)`);
});

t.test('correct beyond its margins: long pauses give a leadership overlap that names the broken assumption', async (t) => {
  // Pauses alone, and often: the leader must be the one frozen, for longer than an election.
  const beyond: Partial<RunOptions> = { faults: { pause: 0.3, 'clock-skew': 1 }, net: { pauseMsMax: 400 } };
  let found: RunResult | null = null;
  for (let s = 0; s < 20 && found === null; s++) {
    const r = await run(raft, 'correct', String(s), beyond);
    if (kinds(r).includes('leadership-overlap')) found = r;
  }
  t.ok(found, 'an overlap within 20 seeds');
  if (found === null) return;
  t.comment(`overlap beyond margins at seed ${found.seed}`);
  t.match(found.violations[0]!.message, /the run broke the target's declared assumptions: pause of \d+ms on n\d exceeded the target's declared maxPauseMs=25/);
  const again = await run(raft, 'correct', found.seed, beyond);
  t.equal(again.decisionHash, found.decisionHash, 'the failing seed replays to the same decision hash');
});

interface Case {
  variant: string;
  /** The kind expected, and any other a seed may show first. */
  kind: string;
  bound: number;
  options: Partial<RunOptions>;
  target?: Target;
}

const AGGRESSIVE = { faultWindowMs: 9_000, livenessMs: 1_000 };
const CASES: Case[] = [
  { variant: 'no-signal-flag', kind: 'duplicate-leadership', bound: 5, options: {} },
  { variant: 'signal-before-caught-up', kind: 'assert', bound: 5, options: {} },
  { variant: 'subscribe-after-run', kind: 'lost-leadership-event', bound: 20, options: {} },
  { variant: 'no-lease', kind: 'leadership-overlap', bound: 30, options: { faults: ALL } },
  { variant: 'skip-prev-log-check', kind: 'log-matching', bound: 60, options: { faults: ALL } },
  { variant: 'skip-prev-log-check', kind: 'state-machine-safety', bound: 60, options: { faults: ALL } },
  {
    variant: 'vote-not-persisted', kind: 'election-safety', bound: 100,
    options: { faults: { ...ALL, crash: 0.3, partition: 0.5, pause: 0 }, ...AGGRESSIVE },
  },
  {
    variant: 'commit-old-term', kind: 'leader-completeness', bound: 150,
    options: { faults: { ...ALL, drop: 0.35, partition: 0.3, crash: 0, pause: 0 }, ...AGGRESSIVE },
  },
  {
    variant: 'fixed-election-timeout', kind: 'liveness', bound: 5,
    options: { net: { oneWayDelayMinMs: 1, oneWayDelayMaxMs: 1 } },
  },
];

const detected = new Set<string>();

for (const c of CASES) {
  t.test(`${c.variant}: ${c.kind} within ${c.bound} seeds, and the seed replays`, async (t) => {
    const target = c.target ?? raft;
    let hit: RunResult | null = null;
    const other: Record<string, number> = {};
    for (let s = 0; s < c.bound && hit === null; s++) {
      const r = await run(target, c.variant, String(s), c.options);
      const k = kinds(r);
      if (k.includes(c.kind)) hit = r;
      else if (k.length > 0) other[k.join(',')] = (other[k.join(',')] ?? 0) + 1;
    }
    t.ok(hit, `found ${c.kind} (other outcomes before it: ${JSON.stringify(other)})`);
    if (hit === null) return;
    detected.add(c.kind);
    t.comment(`${c.variant}: ${c.kind} first at seed ${hit.seed}: ${hit.violations[0]!.message.slice(0, 200)}`);
    t.notOk(Object.keys(other).some((k) => /uncaught-error|budget|escaped|unawaited/.test(k)), 'no harness-level failure on the way');
    const again = await run(target, c.variant, hit.seed, c.options);
    t.equal(again.decisionHash, hit.decisionHash, 'same seed, same decision hash');
    t.same(kinds(again), kinds(hit), 'same seed, same violation');
  });
}

t.test('every Raft detector fires on some variant', async (t) => {
  const all = ['duplicate-leadership', 'leadership-overlap', 'lost-leadership-event', 'election-safety', 'log-matching',
    'leader-completeness', 'state-machine-safety', 'liveness'];
  for (const k of all) t.ok(detected.has(k), `${k} caught`);
});
