/**
 * The decision log (harness/core/decision-log.ts) keeps numbers during a run and spells the
 * labels out when it ends: what it gives back must be exactly what was logged, in order.
 */
import t from 'tap';
import { DecisionLog, type LabelKey } from '../dist/harness/core/decision-log.js';

t.test('draws, keyed labels, numbered labels and plain labels come back in order', async (t) => {
  const log = new DecisionLog();
  const task: LabelKey = { label: 'worker#2', logId: -1 };
  const link: LabelKey = { label: 'n1→n2:append#', logId: -1 };
  const want: (string | number)[] = [];
  for (let i = 0; i < 5000; i++) {
    switch (i % 5) {
      case 0: log.draw(4294967295 - i); want.push(4294967295 - i); break;
      case 1: log.keyed(task, -1); want.push('worker#2'); break;
      case 2: log.keyed(link, i); want.push(`n1→n2:append#${i}`); break;
      case 3: log.label(`nemesis#${i}`); want.push(`nemesis#${i}`); break;
      default: log.draw(0); want.push(0);
    }
  }
  // Past the numbered range a label is logged whole, and still reads back the same.
  log.keyed(link, 2 ** 31);
  want.push(`n1→n2:append#${2 ** 31}`);
  t.equal(log.length, want.length);
  t.same(log.finish(), want);
});

t.test('a spent log refuses more decisions, and its buffer serves the next log clean', async (t) => {
  const a = new DecisionLog();
  for (let i = 0; i < 3000; i++) a.draw(i);
  a.finish();
  t.throws(() => a.draw(1), /after the run ended/);
  const b = new DecisionLog();
  b.draw(7);
  const key: LabelKey = { label: 'timer:x', logId: -1 };
  b.keyed(key, -1);
  t.same(b.finish(), [7, 'timer:x'], 'a reused buffer holds only the new log');
  const c = new DecisionLog();
  c.label('first');
  c.keyed(key, 3);
  t.same(c.finish(), ['first', 'timer:x3'], 'a key another log numbered is numbered again');
});

t.test('a campaign seed that passes skips spelling its list; one that fails keeps it; the hash is the same', async (t) => {
  const { execute, DEFAULT_OPTIONS } = await import('../dist/harness/engine/execute.js');
  const { loadTarget } = await import('../dist/harness/target/load.js');
  const target = (await loadTarget('bounded-buffer')).target;
  const options = { ...DEFAULT_OPTIONS, durationMs: 5_000 };
  let passes = 0;
  let fails = 0;
  for (const variant of ['correct', 'check-outside-lock']) {
    for (let s = 1; s <= 30; s++) {
      const input = { target, variant, seed: String(s), strategy: { name: 'random' }, options };
      const full = await execute(input);
      const lean = await execute({ ...input, options: { ...options, dropPassingDetail: true } });
      t.equal(lean.decisionHash, full.decisionHash, `${variant} seed ${s}: same schedule`);
      t.equal(lean.outcome, full.outcome);
      t.ok(full.decisions.length > 0, 'the full run spells its list');
      if (full.outcome === 'pass') {
        passes++;
        t.same([lean.decisions.length, lean.traceWindow.length], [0, 0], `${variant} seed ${s} passed: nothing spelled`);
      } else {
        fails++;
        t.same(lean.decisions, full.decisions, `${variant} seed ${s} failed: its list is kept`);
        t.same(lean.traceWindow, full.traceWindow, `${variant} seed ${s} failed: its trace window is kept`);
      }
    }
  }
  t.ok(passes > 0 && fails > 0, `both outcomes seen (${passes} passes, ${fails} failures)`);
});
