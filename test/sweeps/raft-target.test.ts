/**
 * Sweeps of the bundled Raft target (`npm run test:sweeps`): `correct` stays clean over 2,000
 * seeds of drawn weather (300 at 5 nodes), and each planted bug is caught by the detector that
 * names it within a measured number of seeds (bounds below, with margin over the first failing
 * seed measured when the weather was frozen), on a seed that replays to the same hash. The pinned
 * failing seed of each bug is in test/raft-target.test.ts.
 */
import t from 'tap';
import type { RunResult } from '../../dist/harness/engine/execute.js';
import { explore } from '../../dist/harness/campaign/explore.js';
import { replay } from '../../dist/harness/campaign/replay-seed.js';

const kinds = (r: RunResult): string[] => r.violations.map((v) => v.kind);

t.test('correct: no violation over 2,000 seeds of drawn weather, 3 nodes', async (t) => {
  const r = await explore({ target: 'raft', variant: 'correct', seeds: '1..2000', jobs: 2 });
  t.equal(r.runs, 2_000);
  t.same(r.violationsByKind, {}, `outcomes: ${r.failures.slice(0, 3).map((f) => `${f.seed} ${f.kinds.join(',')}`).join('; ')}`);
  const drawn = r.weatherStats['correct'] ?? {};
  for (const k of ['drop', 'duplicate', 'reorder', 'delay', 'partition', 'crash', 'clock-skew', 'pause', 'lose-unsynced']) {
    t.ok((drawn[`fault:${k}`]?.drawn ?? 0) > 600, `${k} was on in many seeds (${drawn[`fault:${k}`]?.drawn})`);
  }
  for (const l of ['lockstep', 'lan', 'wan', 'jittery', 'heavy-tail']) t.ok((drawn[`latency:${l}`]?.drawn ?? 0) > 200, `latency ${l} drawn`);
});

t.test('correct: no violation over 300 seeds of drawn weather, 5 nodes', async (t) => {
  const r = await explore({ target: new URL('../../dist/targets/raft/five.js', import.meta.url).pathname, variant: 'correct', seeds: '1..300', jobs: 2 });
  t.equal(r.target, 'raft-5');
  t.same(r.violationsByKind, {}, `outcomes: ${r.failures.slice(0, 3).map((f) => `${f.seed} ${f.kinds.join(',')}`).join('; ')}`);
});

interface Case {
  variant: string;
  kind: string;
  /** Seeds 1..bound must show it: about twice the first failing seed measured. */
  bound: number;
}

// First failing seed under engine 2 (a stream per subsystem; seeds 1..N, bench/README-bugs.md):
// no-signal-flag 1, signal-before-caught-up 1, subscribe-after-run 2, no-lease 2,
// skip-prev-log-check 15 (log-matching) and 12 (state-machine-safety), fixed-election-timeout 5,
// vote-not-persisted 300, commit-old-term 4857. The last three are rare (about 2%, 0.8%, and
// one seed in the first 4,857; about 1 in 4,000 under engine 1). commit-old-term's bound is the
// campaign's own cap (20 × 300 seeds), not twice its first seed.
const CASES: Case[] = [
  { variant: 'no-signal-flag', kind: 'duplicate-leadership', bound: 10 },
  { variant: 'signal-before-caught-up', kind: 'assert', bound: 5 },
  { variant: 'subscribe-after-run', kind: 'lost-leadership-event', bound: 20 },
  { variant: 'no-lease', kind: 'leadership-overlap', bound: 60 },
  { variant: 'skip-prev-log-check', kind: 'log-matching', bound: 60 },
  { variant: 'skip-prev-log-check', kind: 'state-machine-safety', bound: 120 },
  { variant: 'fixed-election-timeout', kind: 'liveness', bound: 300 },
  { variant: 'vote-not-persisted', kind: 'election-safety', bound: 600 },
  { variant: 'commit-old-term', kind: 'leader-completeness', bound: 6_000 },
];

const detected = new Set<string>();

for (const c of CASES) {
  t.test(`${c.variant}: ${c.kind} within ${c.bound} seeds of plain defaults, and the seed replays`, async (t) => {
    const r = await explore({ target: 'raft', variant: c.variant, seeds: `1..${c.bound}`, jobs: 2 });
    const hit = r.failures.find((f) => f.kinds.includes(c.kind));
    t.ok(hit, `found ${c.kind} (found instead: ${JSON.stringify(r.violationsByKind)})`);
    if (hit === undefined) return;
    detected.add(c.kind);
    t.comment(`${c.variant}: ${c.kind} first at seed ${hit.seed} of ${c.bound}, in ${r.failuresByVariant[c.variant]} failing seeds`);
    t.notOk(Object.keys(r.violationsByKind).some((k) => /uncaught-error|budget|escaped|unawaited/.test(k)), 'no harness-level failure on the way');
    const again = await replay({ target: 'raft', variant: c.variant, seed: hit.seed });
    t.equal(again.decisionHash, hit.decisionHash, 'same seed, same decision hash');
    t.same(kinds(again), hit.kinds.length > 0 ? kinds(hit.result) : [], 'same seed, same violation');
  });
}

t.test('every Raft detector fires on some variant', async (t) => {
  const all = ['duplicate-leadership', 'leadership-overlap', 'lost-leadership-event', 'election-safety', 'log-matching',
    'leader-completeness', 'state-machine-safety', 'liveness'];
  for (const k of all) t.ok(detected.has(k), `${k} caught`);
});
