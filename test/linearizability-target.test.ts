// Histories recorded by targets: the end-of-run check fires on a store that reads a stale
// replica and stays silent on the correct one; a crash turns operations in flight into info.
import t from 'tap';
import { execute, DEFAULT_OPTIONS, type RunResult } from '../dist/harness/engine/execute.js';
import { HistoryLog } from '../dist/harness/check/linearizability/recorder.js';
import { checkOperations, kv, register } from '../dist/harness/check/linearizability/index.js';
import { kvReplicas } from './fixtures/net-kv-replicas.js';
import type { Sim, Target } from '../harness/core/api.js';

const run = (tg: Target, variant: string, seed: number): Promise<RunResult> =>
  execute({ target: tg, variant, seed: String(seed), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 5_000 } });

t.test('net-kv-replicas stale-reads: a linearizability violation within 40 seeds', async (t) => {
  const tg = kvReplicas();
  let found: RunResult | null = null;
  for (let s = 1; s <= 40 && found === null; s++) {
    const r = await run(tg, 'stale-reads', s);
    if (r.outcome !== 'pass') found = r;
  }
  if (found === null) return t.fail('no failure in 40 seeds');
  const v = found.violations[0]!;
  t.equal(v.kind, 'linearizability');
  t.match(v.message, /^not linearizable \(key "[xy]"\): from state .*, no order of \[c[12].*get/);
  const d = v.details as { window: { description: string }[]; stateBefore: string; clients: string[]; model: string };
  t.equal(d.model, 'kv');
  t.ok(d.window.some((w) => w.description.startsWith('get ')), 'a get is in the window');
  t.ok(d.clients.length >= 1 && d.clients.every((c) => /^c[12]/.test(c)), `clients ${d.clients.join(', ')}`);
});

t.test('net-kv-replicas correct: silent over 150 seeds', async (t) => {
  const tg = kvReplicas();
  for (let s = 1; s <= 150; s++) {
    const r = await run(tg, 'correct', s);
    if (r.outcome !== 'pass') return t.fail(`seed ${s}: ${r.violations[0]?.message}`);
  }
  t.pass('150 seeds, no violation');
});

t.test('the same check on plain tasks: a lost update between two writers is found', async (t) => {
  // Two tasks increment a shared register by read-then-write; their history against a counter
  // model shows the lost update when they interleave. The checked variant holds a mutex.
  const tg: Target = {
    name: 'lost-update', description: 'read-modify-write without a lock', variants: ['racy', 'locked'],
    history: { model: 'counter' },
    setup(sim: Sim, { variant }) {
      const cell = sim.shared('n', 0);
      const m = sim.mutex('m');
      for (const name of ['a', 'b']) {
        sim.spawn(name, async () => {
          if (variant === 'locked') await m.lock();
          const op = sim.history.invoke('add', 1);
          const v = await cell.get();
          await cell.set(v + 1);
          op.ok();
          if (variant === 'locked') await m.unlock();
          const r = sim.history.invoke('read');
          r.ok(await cell.get());
        });
      }
    },
  };
  let racy = 0;
  for (let s = 1; s <= 30; s++) if ((await run(tg, 'racy', s)).violations.some((v) => v.kind === 'linearizability')) racy++;
  let locked = 0;
  for (let s = 1; s <= 30; s++) if ((await run(tg, 'locked', s)).outcome !== 'pass') locked++;
  t.ok(racy > 0, `racy: ${racy} of 30 seeds`);
  t.equal(locked, 0);
});

t.test('a crash of the client node makes its open operation info; late completions are ignored', async (t) => {
  let now = 0;
  const fakeRun = { current: null, clock: { now: () => now } };
  const log = new HistoryLog(fakeRun as never);
  const n1 = log.recorder('n1');
  const n2 = log.recorder('n2');
  const w = n1.invoke('write', 1);
  now = 5;
  log.crashed('n1');
  w.ok(); // a continuation of the crashed incarnation
  const r1 = n2.invoke('read');
  r1.ok(null);
  const r2 = n2.invoke('read');
  r2.ok(1);
  t.same(log.events.map((e) => `${String(e.process)} ${e.type} ${e.f}@${e.time}`), [
    'n1 invoke write@0', 'n1 info write@5', 'n2 invoke read@5', 'n2 ok read@5', 'n2 invoke read@5', 'n2 ok read@5',
  ]);
  t.equal(checkOperations(register, log.checked()).verdict, 'linearizable', 'the crashed write may land between the reads');
  t.throws(() => r2.ok(2), /already completed/);
  const f = n2.invoke('write', 7);
  f.fail();
  t.equal(log.checked().length, 3, 'a failed operation is left out');
});

t.test('an unknown model name is a usage error; ops without a check cost nothing', async (t) => {
  const tg: Target = { name: 'x', description: '', variants: ['v'], history: { model: 'kvv' }, setup() {} };
  await t.rejects(run(tg, 'v', 1), /history.model 'kvv' is not a model: give register, cas-register, kv/);
  const plain: Target = { name: 'y', description: '', variants: ['v'], setup(sim) { sim.spawn('a', () => { sim.history.invoke('get', null, { key: 'k' }).ok('never-written'); }); } };
  t.equal((await run(plain, 'v', 1)).outcome, 'pass', 'no history spec: recorded, not checked');
  t.equal(checkOperations(kv, []).verdict, 'linearizable');
});

t.test('out of its step budget, the end-of-run check fails nothing and says so in the trace', async (t) => {
  const tg: Target = {
    name: 'budget', description: '', variants: ['v'], history: { model: 'register', maxSteps: 10 },
    setup(sim: Sim) {
      sim.spawn('w', async () => {
        for (let i = 0; i < 20; i++) {
          const op = sim.history.invoke('write', i);
          await sim.yield();
          op.ok();
        }
      });
    },
  };
  const r = await run(tg, 'v', 1);
  t.equal(r.outcome, 'pass');
  const note = r.traceWindow.find((e) => String(e.result).includes('linearizability not decided'));
  t.ok(note, 'the trace says the history was not decided');
  t.match(String(note?.result), /no verdict within 10 search steps \(20 operations\)/);
});

t.test('recording and checking a history moves no decision: the same hashes without the check', async (t) => {
  const withCheck = kvReplicas();
  const { history: _h, ...rest } = withCheck;
  const without: Target = rest;
  for (const [variant, seed] of [['correct', 3], ['correct', 7], ['stale-reads', 2]] as const) {
    const a = await run(withCheck, variant, seed);
    const b = await run(without, variant, seed);
    t.equal(a.decisionHash, b.decisionHash, `${variant} seed ${seed}`);
    t.equal(a.steps, b.steps);
    t.equal(b.outcome, 'pass', 'without the check nothing else fires');
  }
});
