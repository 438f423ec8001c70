import t from 'tap';
import { DEFAULT_OPTIONS, execute } from '../dist/harness/engine/execute.js';
import { runDecisions } from '../dist/harness/replay/index.js';
import { ReplayScheduler } from '../dist/harness/strategies/replay.js';
import { ReplayDivergence } from '../dist/harness/core/scheduler.js';
import boundedBuffer from '../dist/targets/condvar/bounded-buffer/index.js';

const spec = (seed: string) => ({
  target: boundedBuffer, variant: 'check-outside-lock', seed, strategy: { name: 'random' }, options: DEFAULT_OPTIONS,
});

t.test('strict replay of a run reproduces its hash and consumes every decision', async (t) => {
  const r = await execute(spec('7'));
  const rep = await runDecisions(spec('7'), r.decisions, { mode: 'strict' });
  t.equal(rep.result.decisionHash, r.decisionHash);
  t.equal(rep.consumed, r.decisions.length);
  t.equal(rep.fallbacks, 0);
});

t.test('strict replay that diverges names the decision, what it expected and what was runnable', async (t) => {
  const r = await execute(spec('7'));
  const bad = r.decisions.slice();
  const at = bad.findIndex((d, i) => i > 3 && typeof d === 'string');
  bad[at] = 'no-such-task';
  const rep = await runDecisions(spec('7'), bad, { mode: 'strict' });
  const v = rep.result.violations[0]!;
  t.equal(v.kind, 'replay-divergence', 'the run ends with a replay-divergence violation, not a crash');
  t.match(v.message, new RegExp(`replay diverged at decision ${at}: expected 'no-such-task' where the run asked for a step, runnable were \\[.*consumer-1.*\\]`));
  t.same((v.details as { decision: number }).decision, at);
  t.equal(rep.result.violations.length, 1, 'nothing else is reported after the divergence');
});

t.test('strict replay diverges on a kind mismatch and on running out', async (t) => {
  const r = await execute(spec('7'));
  const swapped = r.decisions.slice();
  swapped[2] = 12345;
  const a = await runDecisions(spec('7'), swapped, { mode: 'strict' });
  t.match(a.result.violations[0]!.message, /decision 2: expected a number draw \(12345\) where the run asked for a step/);
  const short = r.decisions.slice(0, 5);
  const b = await runDecisions(spec('7'), short, { mode: 'strict' });
  t.match(b.result.violations[0]!.message, /decision 5: expected no decision \(the 5 recorded ran out\)/);
  const c = await runDecisions(spec('7'), short, { mode: 'strict', whenExhausted: 'default' });
  t.not(c.result.violations[0]?.kind, 'replay-divergence', 'whenExhausted: default runs on past the list');
  t.ok(c.fallbacks > 0);
});

t.test('the ReplayScheduler throws ReplayDivergence itself (the engine turns it into a violation)', async (t) => {
  const s = new ReplayScheduler(['a'], { mode: 'strict' });
  const opts = [{ label: 'b', labelHash: 1 }, { label: 'c', labelHash: 2 }];
  t.throws(() => s.nextStep(opts, { current: -1, step: 0, taskCount: 2 }), ReplayDivergence);
  const l = new ReplayScheduler(['a', 'x'], { mode: 'lenient' });
  t.equal(l.nextStep(opts, { current: 1, step: 0, taskCount: 2 }), 1, 'lenient: the current task runs on');
  t.equal(l.nextU32('message'), 0xffffffff, 'lenient: a draw where a label was recorded says no to faults');
  t.equal(l.nextStep(opts, { current: -1, step: 2, taskCount: 2 }), 0, 'lenient, list exhausted: the lowest label');
  t.equal(l.fallbacks, 3);
});

t.test('lenient replay keeps going where decisions no longer apply, deterministically', async (t) => {
  const r = await execute(spec('11'));
  const mangled = r.decisions.map((d, i) => (i % 3 === 0 ? 'gone' : d));
  const a = await runDecisions(spec('11'), mangled, { mode: 'lenient' });
  const b = await runDecisions(spec('11'), mangled, { mode: 'lenient' });
  t.ok(a.fallbacks > 0);
  t.equal(a.result.decisionHash, b.result.decisionHash);
  const again = await runDecisions(spec('11'), a.result.decisions, { mode: 'strict' });
  t.equal(again.result.decisionHash, a.result.decisionHash, 'the decisions a lenient replay made replay strictly');
});
