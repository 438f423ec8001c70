/**
 * Summary statistics: distinct schedules are exact while few and a sketch beyond, and shards'
 * sketches join by union, never by sum (two shards that ran the same schedules count it once).
 */
import t from 'tap';
import { Distinct, EXACT_LIMIT } from '../dist/harness/campaign/distinct.js';
import { explore } from '../dist/harness/campaign/explore.js';

/** Deterministic 64-bit hex strings, as decision hashes look. */
function hashes(n: number, salt: number): string[] {
  const out: string[] = [];
  let x = salt >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const y = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    out.push(x.toString(16).padStart(8, '0') + y.toString(16).padStart(8, '0'));
  }
  return out;
}

t.test('exact below the limit, within 5% above it; a repeat never counts twice', async (t) => {
  const small = new Distinct();
  for (const h of hashes(1000, 1)) small.add(h);
  for (const h of hashes(1000, 1)) small.add(h);
  t.same(small.count(), { value: 1000, estimated: false });
  const big = new Distinct();
  const n = 300_000;
  for (const h of hashes(n, 2)) big.add(h);
  const c = big.count();
  t.ok(n > EXACT_LIMIT && c.estimated, 'estimated past the exact limit');
  t.ok(Math.abs(c.value - n) / n < 0.05, `estimate ${c.value} of ${n}`);
});

t.test('shard sketches join as a union', async (t) => {
  const a = new Distinct();
  const b = new Distinct();
  const all = hashes(100_000, 3);
  all.slice(0, 60_000).forEach((h) => a.add(h));
  all.slice(40_000).forEach((h) => b.add(h));
  const u = Distinct.fromSketches([a.sketch(), b.sketch()]).count();
  t.ok(u.estimated);
  t.ok(Math.abs(u.value - 100_000) / 100_000 < 0.05, `union ${u.value} of 100000 (a sum would say 120000)`);
  t.same(Distinct.fromSketches([a.sketch()]).count(), a.count(), 'one exact part stays exact');
});

t.test('a campaign counts virtual time, faults injected and distinct schedules', async (t) => {
  const r = await explore({ target: 'raft', variant: 'correct', seeds: '1..6' });
  t.ok(r.virtualMs > 6 * 5_000, `${r.virtualMs} virtual ms`);
  t.ok(Object.values(r.faultsByKind).reduce((x, y) => x + y, 0) > 0, JSON.stringify(r.faultsByKind));
  t.notOk('weather' in r.faultsByKind || 'quiet' in r.faultsByKind, 'weather and quiet are not faults');
  t.same(r.distinct.count(), { value: 6, estimated: false });
  const same = await explore({ target: 'bounded-buffer', variant: 'correct', seeds: [1, 1, 1] });
  t.same(same.distinct.count(), { value: 1, estimated: false }, 'one seed three times is one schedule');
});
