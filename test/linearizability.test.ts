// The checker's corner cases by hand, a property test against real sequential executions, and
// the budget. Every history here states in its comment why it is or is not linearizable.
import t from 'tap';
import fc from 'fast-check';
import {
  checkEvents, casRegister, kv, register, counter, set, queue, UNKNOWN,
  type HistoryEvent, type Model, type EventType,
} from '../dist/harness/check/linearizability/index.js';

const ev = (process: number, type: EventType, f: string, value: unknown = null, key?: string): HistoryEvent =>
  ({ process, type, f, value, ...(key !== undefined ? { key } : {}) });
const verdict = (m: Model<never>, h: HistoryEvent[]) => checkEvents(m, h, { maxSteps: 1_000_000 }).result.verdict;

t.test('an info write may take effect after a later read', async (t) => {
  const h = (last: EventType) => [
    ev(0, 'invoke', 'write', 1), ev(0, last, 'write', last === 'ok' ? 1 : null),
    ev(1, 'invoke', 'read'), ev(1, 'ok', 'read', null),
    ev(1, 'invoke', 'read'), ev(1, 'ok', 'read', 1),
  ];
  t.equal(verdict(register, h('info')), 'linearizable', 'timed out: the write lands between the two reads');
  t.equal(verdict(register, h('ok')), 'not-linearizable', 'acknowledged before the first read: that read must see it');
  t.equal(verdict(register, h('fail')), 'not-linearizable', 'failed: it never happened, so 1 was never written');
  // An invocation still open at the end is an info too.
  t.equal(verdict(register, h('info').filter((_e, i) => i !== 1)), 'linearizable');
});

t.test('concurrent cas: only one of two swaps from the same value succeeds', async (t) => {
  const h = (second: unknown) => [
    ev(0, 'invoke', 'write', 0), ev(0, 'ok', 'write', 0),
    ev(1, 'invoke', 'cas', [0, 1]), ev(2, 'invoke', 'cas', [0, 2]),
    ev(1, 'ok', 'cas', true), ev(2, 'ok', 'cas', second),
    ev(0, 'invoke', 'read'), ev(0, 'ok', 'read', 1),
  ];
  t.equal(verdict(casRegister, h(false)), 'linearizable', 'the second saw 1 and refused');
  t.equal(verdict(casRegister, h(true)), 'not-linearizable', 'both cannot have found 0');
  const r = checkEvents(casRegister, h(true)).result;
  if (r.verdict !== 'not-linearizable') return;
  t.same([...r.violation.clients].sort(), ['0', '1', '2'].filter((c) => r.violation.clients.includes(c)).sort());
  t.ok(r.violation.window.length >= 1 && r.violation.window.length <= 3, 'the window is the few operations at the dead end');
});

t.test('a kv history linearizable per key is not for a model that does not partition', async (t) => {
  // Per key: x is put 1 and read 1; y is put 2 and read 2. As one register, the reads see different
  // last writes with the puts ordered before both reads: impossible.
  const h = [
    ev(0, 'invoke', 'put', 1, 'x'), ev(0, 'ok', 'put', 1, 'x'),
    ev(1, 'invoke', 'put', 2, 'y'), ev(1, 'ok', 'put', 2, 'y'),
    ev(0, 'invoke', 'get', null, 'x'), ev(0, 'ok', 'get', '1', 'x'),
    ev(1, 'invoke', 'get', null, 'y'), ev(1, 'ok', 'get', '2', 'y'),
  ];
  t.equal(verdict(kv as Model<never>, h), 'linearizable');
  const whole = { ...kv, name: 'kv-as-one-register', partition: undefined };
  t.equal(verdict(whole as Model<never>, h), 'not-linearizable');
  t.equal(checkEvents(kv, h).result.partitions, 2);
});

t.test('counter, set and queue models', async (t) => {
  const c = (got: number) => [ev(0, 'invoke', 'add', 2), ev(1, 'invoke', 'add', 3), ev(0, 'ok', 'add', 2), ev(2, 'invoke', 'read'), ev(2, 'ok', 'read', got), ev(1, 'ok', 'add', 3)];
  t.equal(verdict(counter as Model<never>, c(2)), 'linearizable');
  t.equal(verdict(counter as Model<never>, c(5)), 'linearizable');
  t.equal(verdict(counter as Model<never>, c(3)), 'not-linearizable', '3 alone was added, but the add of 2 had returned');
  const s = (got: unknown[]) => [ev(0, 'invoke', 'add', 'a'), ev(0, 'ok', 'add', 'a'), ev(1, 'invoke', 'add', 'b'), ev(2, 'invoke', 'read'), ev(2, 'ok', 'read', got), ev(1, 'ok', 'add', 'b')];
  t.equal(verdict(set as Model<never>, s(['b', 'a'])), 'linearizable');
  t.equal(verdict(set as Model<never>, s(['b'])), 'not-linearizable', 'a was added before the read began');
  const q = (first: unknown) => [ev(0, 'invoke', 'enqueue', 1), ev(0, 'ok', 'enqueue', 1), ev(0, 'invoke', 'enqueue', 2), ev(0, 'ok', 'enqueue', 2), ev(1, 'invoke', 'dequeue'), ev(1, 'ok', 'dequeue', first)];
  t.equal(verdict(queue as Model<never>, q(1)), 'linearizable');
  t.equal(verdict(queue as Model<never>, q(2)), 'not-linearizable', 'FIFO: 1 was first');
});

t.test('a user model: a register that only grows (max)', async (t) => {
  const max: Model<number> = {
    name: 'max', init: () => 0,
    step: (s, input, out) => (input.f === 'put' ? [true, Math.max(s, Number(input.value))] : [out === UNKNOWN || out === s, s]),
  };
  const h = (got: number) => [ev(0, 'invoke', 'put', 5), ev(0, 'ok', 'put'), ev(0, 'invoke', 'put', 3), ev(0, 'ok', 'put'), ev(1, 'invoke', 'get'), ev(1, 'ok', 'get', got)];
  t.equal(verdict(max as Model<never>, h(5)), 'linearizable');
  t.equal(verdict(max as Model<never>, h(3)), 'not-linearizable');
});

t.test('bad input: the line and what is wrong', async (t) => {
  t.throws(() => checkEvents(register, [ev(0, 'invoke', 'read'), ev(0, 'invoke', 'read')]), /line 2: process 0 invokes read while its read of line 1 is still open/);
  t.throws(() => checkEvents(register, [ev(0, 'ok', 'read')]), /line 1: process 0 completes read \(ok\) with no open invocation/);
  t.throws(() => checkEvents(register, [ev(0, 'invoke', 'cas', [1, 2]), ev(0, 'ok', 'cas')]), /line 1: model register has no operation cas/);
});

/** A real sequential execution with concurrency added: each op takes effect at its own instant,
 * its call and return are moved outwards at random without crossing the client's neighbours. */
interface Gen { client: number; f: string; key: string; value: number; callSlack: number; retSlack: number; fate: 'ok' | 'info' }
const genOp = fc.record({
  client: fc.integer({ min: 0, max: 4 }),
  f: fc.constantFrom('put', 'get', 'append', 'get'),
  key: fc.constantFrom('x', 'y'),
  value: fc.integer({ min: 1, max: 9 }),
  callSlack: fc.integer({ min: 0, max: 40 }),
  retSlack: fc.integer({ min: 0, max: 40 }),
  fate: fc.constantFrom<'ok' | 'info'>('ok', 'ok', 'ok', 'ok', 'info'),
});

function execution(ops: Gen[]): { events: HistoryEvent[]; reads: number[] } {
  const store = new Map<string, string>();
  const timed: { t: number; e: HistoryEvent }[] = [];
  const freeAt = new Map<number, number>();
  const nextOfClient = (i: number) => ops.findIndex((o, j) => j > i && o.client === ops[i]!.client);
  const crashed = new Set<number>();
  const reads: number[] = [];
  ops.forEach((o, i) => {
    if (crashed.has(o.client)) return;
    const at = 10 * (i + 1);
    const call = Math.max((freeAt.get(o.client) ?? 0) + 0.5, at - o.callSlack);
    const nxt = nextOfClient(i);
    const ret = Math.min(nxt < 0 ? Infinity : 10 * (nxt + 1) - 1, at + o.retSlack);
    const before = store.get(o.key) ?? null;
    if (o.f === 'put') store.set(o.key, String(o.value));
    if (o.f === 'append') store.set(o.key, `${before ?? ''}${o.value}`);
    const result = o.f === 'get' ? before : null;
    timed.push({ t: call, e: ev(o.client, 'invoke', o.f, o.f === 'get' ? null : o.value, o.key) });
    if (o.fate === 'info') crashed.add(o.client);
    else {
      if (o.f === 'get') reads.push(timed.length);
      timed.push({ t: ret, e: ev(o.client, 'ok', o.f, result, o.key) });
      freeAt.set(o.client, ret);
    }
  });
  const order = timed.map((x, i) => ({ ...x, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const pos = new Map(order.map((x, k) => [x.i, k]));
  return { events: order.map((x) => x.e), reads: reads.map((i) => pos.get(i)!) };
}

/** The same store with no partitions: the whole map is one state (checks P-compositionality). */
const kvWhole: Model<Record<string, string>> = {
  name: 'kv-whole', init: () => ({}),
  step(s, input, out) {
    const k = input.key!;
    if (input.f === 'get') return [out === UNKNOWN || (out ?? null) === (s[k] ?? null), s];
    const v = input.f === 'put' ? String(input.value) : `${s[k] ?? ''}${String(input.value)}`;
    return [true, { ...s, [k]: v }];
  },
};

t.test('property: executions with concurrency added are linearizable; one read of a value never written is not', async (t) => {
  let mutated = 0;
  fc.assert(
    fc.property(fc.array(genOp, { minLength: 1, maxLength: 24 }), fc.nat(), (ops, pick) => {
      const { events, reads } = execution(ops);
      const budget = { maxSteps: 2_000_000 };
      if (checkEvents(kv, events, budget).result.verdict !== 'linearizable') return false;
      if (checkEvents(kvWhole, events, budget).result.verdict !== 'linearizable') return false;
      if (reads.length === 0) return true;
      const at = reads[pick % reads.length]!;
      const bad = events.map((e, i) => (i === at ? { ...e, value: 'never-written' } : e));
      mutated++;
      return checkEvents(kv, bad, budget).result.verdict === 'not-linearizable'
        && checkEvents(kvWhole, bad, budget).result.verdict === 'not-linearizable';
    }),
    { seed: 32, numRuns: 300 },
  );
  t.ok(mutated > 100, `${mutated} histories had a read to change`);
});

t.test('a pathological history answers unknown within its step budget', async (t) => {
  // 24 concurrent writes of distinct values and 24 concurrent reads, one of a value never written:
  // not linearizable, but proving it means trying every subset of the writes.
  const h: HistoryEvent[] = [];
  for (let i = 0; i < 24; i++) h.push(ev(i, 'invoke', 'write', i + 1));
  for (let i = 0; i < 24; i++) h.push(ev(100 + i, 'invoke', 'read'));
  for (let i = 0; i < 24; i++) h.push(ev(i, 'ok', 'write', i + 1));
  for (let i = 0; i < 24; i++) h.push(ev(100 + i, 'ok', 'read', i === 0 ? 999 : i + 1));
  const r = checkEvents(register, h, { maxSteps: 50_000 }).result;
  t.equal(r.verdict, 'unknown');
  t.equal(r.steps, 50_000, 'stopped at the budget, not after it');
  let calls = 0;
  const d = checkEvents(register, h, { expired: () => ++calls > 3 }).result;
  t.equal(d.verdict, 'unknown', 'a deadline stops it too');
  t.match(d.verdict === 'unknown' ? d.reason : '', /deadline/);
});

t.test('the EDN subset Jepsen histories use', async (t) => {
  const { readEdn, parseHistory } = await import('../dist/harness/check/linearizability/index.js');
  const m = readEdn('{:process 3, :type :ok, :f :cas, :value [1 -2], :time 12N ; a comment\n :tags #{:a "b\\"c"}, :op #jepsen.history.Op{:x nil}}') as Map<string, unknown>;
  t.equal(m.get('process'), 3);
  t.equal(m.get('f'), 'cas');
  t.same(m.get('value'), [1, -2]);
  t.equal(m.get('time'), 12);
  t.same(m.get('tags'), ['a', 'b"c']);
  t.same(m.get('op'), new Map([['x', null]]));
  t.throws(() => readEdn('{:a 1'), /missing }/);
  t.throws(() => readEdn('{:a}'), /even number/);
  t.throws(() => readEdn('[1 2] 3'), /column 7: unexpected "3"/);
  // The three formats of one history read the same events.
  const jsonl = parseHistory('{"process":0,"type":"invoke","f":"write","value":4}\n{"process":0,"type":"ok","f":"write","value":4}\n');
  const edn = parseHistory('{:process 0, :type :invoke, :f :write, :value 4}\n{:process 0, :type :ok, :f :write, :value 4}\n');
  const log = parseHistory('2017-01-01 INFO  jepsen.util - 0\t:invoke\t:write\t4\nnoise\nINFO  jepsen.util - :nemesis\t:info\t:start\tnil\nINFO  jepsen.util - 0\t:ok\t:write\t4\n');
  t.same([jsonl.format, edn.format, log.format], ['jsonl', 'edn', 'jepsen-log']);
  t.same(edn.events, jsonl.events);
  t.same(log.events, jsonl.events);
  t.same(log.lines, [1, 4], 'file lines kept for messages; noise and the nemesis skipped');
  t.throws(() => parseHistory('{"process":0,"type":"begin","f":"write"}\n'), /line 1: type must be invoke, ok, fail or info, got "begin"/);
});

t.test('the benchmark generator: its 2,000-operation history of 20 clients is linearizable', async (t) => {
  const { kvHistory } = await import('../dist/bench/linearizability.js');
  const events = kvHistory(2000, 20);
  t.equal(events.length, 4000);
  const r = checkEvents(kv, events, { maxSteps: 1_000_000 }).result;
  t.equal(r.verdict, 'linearizable');
  t.equal(r.partitions, 10);
});
