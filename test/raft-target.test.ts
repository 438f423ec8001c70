/**
 * The bundled Raft target (targets/raft), run as a user runs it: `explore()` with seeds only,
 * under the target's plain defaults and each seed's drawn weather. `correct` stays clean inside
 * its declared margins and breaks them visibly beyond; each planted bug is caught by the detector
 * that names it: a pinned failing seed of each replays to the detector's kind and to the decision
 * hash recorded here. test/sweeps/raft-target.test.ts sweeps `correct` (2,000 seeds, and 300 at 5
 * nodes) and finds each bug within a measured number of seeds.
 */
import t from 'tap';
import type { RunResult } from '../dist/harness/engine/execute.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import raft, { makeRaftTarget } from '../dist/targets/raft/index.js';

const kinds = (r: RunResult): string[] => r.violations.map((v) => v.kind);

t.test('the target object: variants, expectations, margins, workload, no per-variant settings', async (t) => {
  t.equal(raft.name, 'raft');
  t.same(raft.variants.length, 9, 'nine variants');
  for (const v of raft.variants) t.type(raft.expect?.[v], 'string', `${v} has an expected outcome`);
  t.equal(raft.expect?.['correct'], 'pass');
  t.same(raft.assumptions, { maxDriftPpm: 2_000, maxPauseMs: 25, maxOneWayDelayMs: 15 });
  t.same(raft.defaults, { durationMs: 10_000 }, 'the defaults set the duration only: no faults, no network knobs');
  t.equal(raft.variantDefaults, undefined, 'no variant gets settings of its own');
  t.same(Object.keys(raft.workload ?? {}).sort(), ['maxEntriesPerAppend', 'pipelined', 'proposeEveryMs'], 'the workload is declared');
  const five = makeRaftTarget({ nodes: 5 });
  t.equal(five.name, 'raft-5');
  t.throws(() => makeRaftTarget({ nodes: 0 }), RangeError);
});

t.test('correct: no violation over the first 20 seeds of drawn weather (2,000 in test/sweeps/)', async (t) => {
  const r = await explore({ target: 'raft', variant: 'correct', seeds: '1..20', jobs: 2 });
  t.equal(r.runs, 20);
  t.same(r.violationsByKind, {}, `outcomes: ${r.failures.slice(0, 3).map((f) => `${f.seed} ${f.kinds.join(',')}`).join('; ')}`);
});

t.test('correct beyond its margins: long pauses give a leadership overlap that names the broken assumption', async (t) => {
  // Pauses alone, often and long: the leader must be the one frozen, for longer than an election.
  const beyond = { fixedWeather: true, faults: { pause: 0.3, 'clock-skew': 1 }, net: { pauseMsMax: 400 } };
  const r = await explore({ target: 'raft', variant: 'correct', seeds: '0..19', ...beyond });
  const f = r.failures.find((x) => x.kinds.includes('leadership-overlap'));
  t.ok(f, 'an overlap within 20 seeds');
  if (f === undefined) return;
  t.match(f.result.violations[0]!.message, /the run broke the target's declared assumptions: pause of \d+ms on n\d exceeded the target's declared maxPauseMs=25/);
  const again = await replay({ target: 'raft', variant: 'correct', seed: f.seed, ...beyond });
  t.equal(again.decisionHash, f.decisionHash, 'the failing seed replays to the same decision hash');
});

interface Pin {
  variant: string;
  kind: string;
  /** The first failing seed of plain defaults (1..N) showing the kind, and its decision hash. */
  seed: number;
  hash: string;
}

const PINS: Pin[] = [
  { variant: 'no-signal-flag', kind: 'duplicate-leadership', seed: 1, hash: '8fdb827847aa0b72' },
  { variant: 'signal-before-caught-up', kind: 'assert', seed: 1, hash: 'cc89a801c5ea24d1' },
  { variant: 'subscribe-after-run', kind: 'lost-leadership-event', seed: 2, hash: '947d9bd4a465fc55' },
  { variant: 'no-lease', kind: 'leadership-overlap', seed: 2, hash: '46c6b31f6426b7d8' },
  { variant: 'skip-prev-log-check', kind: 'log-matching', seed: 15, hash: 'e83c5beec2102a64' },
  { variant: 'skip-prev-log-check', kind: 'state-machine-safety', seed: 12, hash: 'a4433945dc8c3095' },
  { variant: 'fixed-election-timeout', kind: 'liveness', seed: 5, hash: 'e39011287cd94d34' },
  { variant: 'vote-not-persisted', kind: 'election-safety', seed: 300, hash: 'b82ba4ce9c7688c0' },
  { variant: 'commit-old-term', kind: 'leader-completeness', seed: 4857, hash: 'ac168a56ebcbe28e' },
];

const detected = new Set<string>();

for (const p of PINS) {
  t.test(`${p.variant}: pinned seed ${p.seed} of plain defaults is ${p.kind}, with its recorded hash`, async (t) => {
    const r = await replay({ target: 'raft', variant: p.variant, seed: p.seed });
    t.ok(kinds(r).includes(p.kind), `${p.kind} among ${kinds(r).join(', ')}`);
    t.notOk(kinds(r).some((k) => /uncaught-error|budget|escaped|unawaited/.test(k)), 'no harness-level failure');
    t.equal(r.decisionHash, p.hash, 'the recorded decision hash');
    if (kinds(r).includes(p.kind)) detected.add(p.kind);
  });
}

t.test('every Raft detector fires on some variant', async (t) => {
  const all = ['duplicate-leadership', 'leadership-overlap', 'lost-leadership-event', 'election-safety', 'log-matching',
    'leader-completeness', 'state-machine-safety', 'liveness'];
  for (const k of all) t.ok(detected.has(k), `${k} caught`);
});
