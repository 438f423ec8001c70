/**
 * The bundled liferaft target (targets/liferaft): @markwylde/liferaft 1.4.0, unmodified, in host
 * mode. The planted adapter bugs are caught by duplicate-leadership within a measured number of
 * seeds (bounds about twice the first failing seed measured; targets/liferaft/README.md), the
 * library as it is stays silent where the campaign found it clean (leader election without
 * crashes), and a liferaft failure replays to the same decision hash in another process.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import liferaft, { makeLiferaftTarget } from '../dist/targets/liferaft/index.js';

const cli = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const five = new URL('../dist/targets/liferaft/five.js', import.meta.url).pathname;
/** Every fault of the default weather but crash (and lose-unsynced, which needs crash). */
const NO_CRASH = ['drop', 'duplicate', 'reorder', 'delay', 'partition', 'clock-skew', 'pause'];

t.test('the target object: variants, expectations, host mode', async (t) => {
  t.equal(liferaft.name, 'liferaft');
  t.equal(liferaft.host, true);
  t.same(liferaft.variants, ['as-is', 'as-is-log', 'timed-out-vote-counts'], 'reply-twice needs 5 nodes');
  t.same(liferaft.ignore, ['leadership-overlap'], 'liferaft has no leases');
  const f = makeLiferaftTarget({ nodes: 5 });
  t.equal(f.name, 'liferaft-5');
  t.ok(f.variants.includes('reply-twice'));
  t.throws(() => makeLiferaftTarget({ nodes: 2 }), RangeError);
});

// Measured under engine 2: first failing seed 1 without crashes (6 of the first 20 fail), 1 under
// the default weather (engine 1: 7, and 25 of 60).
t.test('timed-out-vote-counts (planted): duplicate-leadership within 20 seeds without crashes', async (t) => {
  const r = await explore({ target: 'liferaft', variant: 'timed-out-vote-counts', seeds: '1..20', faults: NO_CRASH, jobs: 2 });
  const hit = r.failures.find((f) => f.kinds.includes('duplicate-leadership'));
  t.ok(hit, `found (found instead: ${JSON.stringify(r.violationsByKind)})`);
  t.same(Object.keys(r.violationsByKind), ['duplicate-leadership'], 'nothing else');
  t.comment(`first at seed ${hit?.seed}, ${r.failuresByVariant['timed-out-vote-counts']} of 20 seeds`);
});

t.test('timed-out-vote-counts (planted): duplicate-leadership within 5 seeds of the default weather', async (t) => {
  const r = await explore({ target: 'liferaft', variant: 'timed-out-vote-counts', seeds: '1..5', jobs: 2 });
  t.ok(r.failures.some((f) => f.kinds.includes('duplicate-leadership')), JSON.stringify(r.violationsByKind));
});

// Measured on 5 nodes: first failing seed 6 under --faults none (3 of 30), 1 under the default weather.
t.test('reply-twice (planted, 5 nodes): duplicate-leadership within 12 seeds without any fault; as-is silent there', async (t) => {
  const r = await explore({ target: five, variant: 'reply-twice,as-is', seeds: '1..12', faults: [], jobs: 2 });
  t.equal(r.target, 'liferaft-5');
  t.ok((r.violationsByVariant['reply-twice']?.['duplicate-leadership'] ?? 0) > 0, JSON.stringify(r.violationsByVariant));
  t.same(r.violationsByVariant['as-is'] ?? {}, {}, 'the library itself: no violation on the same seeds');
});

// The campaign found as-is clean without crashes (README: every no-crash and none cell), so the
// election detectors are silent on it there; with crash, term and vote are lost on restart.
t.test('as-is: no violation over 200 seeds without crashes and 60 without faults, 3 nodes', async (t) => {
  const r = await explore({ target: 'liferaft', variant: 'as-is', seeds: '1..200', faults: NO_CRASH, jobs: 2 });
  t.equal(r.runs, 200);
  t.same(r.violationsByKind, {}, `outcomes: ${r.failures.slice(0, 3).map((f) => `${f.seed} ${f.kinds.join(',')}`).join('; ')}`);
  const n = await explore({ target: 'liferaft', variant: 'as-is', seeds: '1..60', faults: [], jobs: 2 });
  t.same(n.violationsByKind, {});
});

t.test('a liferaft failure replays to the same decision hash in another process', async (t) => {
  const r = await explore({ target: 'liferaft', variant: 'as-is-log', seeds: '1..3', faults: NO_CRASH, jobs: 2 });
  const f = r.failures[0];
  t.ok(f, 'as-is-log fails within 3 seeds without crashes');
  if (f === undefined) return;
  const p = spawnSync(process.execPath, [cli, 'replay', 'liferaft', '--variant', 'as-is-log', '--seed', f.seed,
    '--faults', NO_CRASH.join(',')], { encoding: 'utf8', timeout: 120_000 });
  t.equal(p.status, 1, 'the replay exits 1: a violation');
  t.match(p.stdout, new RegExp(`decision-hash: ${f.decisionHash}`), 'the same hash in a fresh process');
  const again = await replay({ target: 'liferaft', variant: 'as-is-log', seed: f.seed, faults: NO_CRASH });
  t.equal(again.decisionHash, f.decisionHash, 'and in this one');
});

t.test('each seeds/liferaft schedule replays to its recorded hash in a fresh process', async (t) => {
  const file = new URL('../seeds/liferaft/as-is-log-stale-append-truncates-log-matching-3.json', import.meta.url).pathname;
  const recorded = (JSON.parse(readFileSync(file, 'utf8')) as { decisionHash: string }).decisionHash;
  const p = spawnSync(process.execPath, [cli, 'regress', new URL('../seeds/liferaft', import.meta.url).pathname],
    { encoding: 'utf8', timeout: 120_000 });
  t.equal(p.status, 0, p.stderr);
  t.match(p.stdout, /# ok 6, changed 0, stale 0, error 0/);
  const q = spawnSync(process.execPath, [cli, 'replay', '--schedule', file], { encoding: 'utf8', timeout: 120_000 });
  t.match(q.stdout, new RegExp(`recorded hash ${recorded} matches`));
});
