/**
 * `node dist/bench/linearizability.js [ops] [clients] [out.jsonl]`: checks a generated key-value
 * history (10,000 operations of 50 clients over 10 keys by default) and prints the time; with a
 * third argument, also writes the history as JSON lines for `check-history` or another checker.
 * The history comes from a real sequential execution with concurrency added (each client's
 * operations overlap others' around their linearization points), so its verdict is known:
 * linearizable; then one read is changed to a value never written, and it is not.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { checkEvents, kv, type HistoryEvent } from '../harness/check/linearizability/index.js';

/** A small deterministic generator (mulberry32): the benchmark's history is the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function kvHistory(ops: number, clients: number, keys = 10, seed = 32): HistoryEvent[] {
  const rnd = prng(seed);
  const store = new Map<string, string>();
  const busyUntil = new Array<number>(clients).fill(0);
  const timed: { t: number; i: number; e: HistoryEvent }[] = [];
  for (let n = 0; n < ops; n++) {
    const at = 10 * (n + 1);
    // A client free at this instant takes the operation; its call may be up to 3 instants earlier.
    let c = Math.floor(rnd() * clients);
    while (busyUntil[c]! >= at) c = (c + 1) % clients;
    const call = Math.max(busyUntil[c]! + 1, at - Math.floor(rnd() * 30));
    const ret = at + Math.floor(rnd() * 30 * clients) / 10;
    busyUntil[c] = ret;
    const key = String(Math.floor(rnd() * keys));
    const r = rnd();
    const f = r < 0.5 ? 'get' : r < 0.75 ? 'put' : 'append';
    const before = store.get(key) ?? '';
    const value = `x ${c} ${n} y`;
    if (f === 'put') store.set(key, value);
    if (f === 'append') store.set(key, before + value);
    timed.push({ t: call, i: timed.length, e: { process: c, type: 'invoke', f, key, value: f === 'get' ? null : value } });
    timed.push({ t: ret, i: timed.length, e: { process: c, type: 'ok', f, key, value: f === 'get' ? before : value } });
  }
  return timed.sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.e);
}

function main(): void {
  const ops = Number(process.argv[2] ?? 10_000);
  const clients = Number(process.argv[3] ?? 50);
  const events = kvHistory(ops, clients);
  if (process.argv[4] !== undefined) writeFileSync(process.argv[4], events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const t0 = performance.now();
  const ok = checkEvents(kv, events).result;
  const t1 = performance.now();
  let last = events.length - 1;
  while (last > 0 && !(events[last]!.type === 'ok' && events[last]!.f === 'get')) last--;
  const bad = events.map((e, i) => (i === last ? { ...e, value: 'never written' } : e));
  const t2 = performance.now();
  const no = checkEvents(kv, bad).result;
  const t3 = performance.now();
  process.stdout.write(`kv history: ${ops} operations, ${clients} clients, ${ok.partitions} keys\n`);
  process.stdout.write(`  as recorded:          ${ok.verdict} in ${(t1 - t0).toFixed(0)} ms (${ok.steps} search steps)\n`);
  process.stdout.write(`  one read made stale:  ${no.verdict} in ${(t3 - t2).toFixed(0)} ms (${no.steps} search steps)\n`);
}

if (process.argv[1]?.endsWith('linearizability.js')) main();
