// An invariant violation names the writes that made it false (issue 29, item 7): each task's
// last write of every shared cell the predicate read, latest first, with the read it came from,
// and a lost update when another task wrote in between. Kept beside the violation
// (RunResult.invariantBlame), whose message and details stay its identity; never `→ ""`.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { replay, explore } from '../dist/harness/index.js';
import { buildView } from '../dist/harness/report/html/index.js';
import { Trace } from '../dist/harness/core/trace.js';
import { brokenInvariant } from '../dist/harness/core/stops.js';

const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;

const LOST = new URL('./fixtures/lost-update.ts', import.meta.url).pathname;
const RANDOM = { name: 'random' };

interface Blamed { cell: string; task: string; step: number; readStep?: number }

t.test('bounded-buffer if-not-while: the count the invariant read, and who wrote it when', async (t) => {
  const r = await replay({ target: 'bounded-buffer', variant: 'if-not-while', seed: 1, trace: true, inline: true, strategy: RANDOM });
  const v = r.violations[0]!;
  t.equal(v.kind, 'invariant');
  t.same(v.details, { invariant: '0 <= count <= capacity' }, 'the violation itself is unchanged');
  const writes: Blamed[] = r.invariantBlame!.writes;
  t.ok(writes.length >= 2);
  t.equal(writes[0]!.step, v.step, 'the latest write is the step that broke it');
  t.same(writes.map((w) => w.step), [...writes.map((w) => w.step)].sort((a, b) => b - a), 'latest first');
  for (const w of writes) {
    t.equal(w.cell, 'count');
    t.ok(r.trace!.some((e) => e.step === w.step && e.task === w.task && e.op === 'set' && e.obj === 'count'), `${w.task} set count at step ${w.step}`);
    if (w.readStep !== undefined) t.ok(r.trace!.some((e) => e.step === w.readStep && e.task === w.task && e.op === 'get' && e.obj === 'count'), `its read at step ${w.readStep}`);
  }
  t.match(r.invariantBlame!.text, new RegExp(`^count = -1 by ${writes[0]!.task} at step ${v.step} \\(its read at step \\d+\\), by `));
  t.notMatch(v.message, /→ ""/);
  const view = buildView(r, r.replayCommand);
  for (const w of writes) t.ok(view.violations[0]!.steps.includes(w.step), `the page rings step ${w.step}`);
  t.match(view.violations[0]!.message, /; made false by: count = -1 by /);
  const out = spawnSync(process.execPath, [CLI, 'replay', 'bounded-buffer', '--variant', 'if-not-while', '--seed', '1'], { encoding: 'utf8' }).stdout;
  t.match(out, /\nmade false by: count = -1 by consumer-1 at step 63 \(its read at step 62\), by consumer-2 at step 58/);
});

t.test('a lost update is named as one: the write that read before the other task wrote', async (t) => {
  const res = await explore({ target: LOST, variant: 'buggy', seeds: Array.from({ length: 40 }, (_, i) => i + 1), inline: true, strategy: RANDOM, keepRuns: true });
  const failing = (res.allRuns ?? []).filter((r) => r.violations[0]?.kind === 'invariant');
  t.ok(failing.length > 0, 'some seed loses an update');
  for (const r of failing) {
    const v = r.violations[0]!;
    t.equal(v.kind, 'invariant');
    const writes: Blamed[] = r.invariantBlame!.writes;
    const counts = writes.filter((w) => w.cell === 'count');
    t.equal(counts.length, 2, 'both tasks\' writes of count');
    const [late, early] = counts as [Blamed, Blamed];
    t.ok(late.readStep! < early.step && early.step < late.step, 'the later writer read before the earlier one wrote');
    t.match(r.invariantBlame!.text, new RegExp(`count = 1 by ${late.task} at step ${late.step} \\(its read at step ${late.readStep}, before ${early.task}'s write at step ${early.step}: a lost update\\)`));
  }
});

t.test('an invariant broken after a step that returned an empty string does not end with → ""', (t) => {
  const trace = new Trace(4, false);
  trace.add(7, 1, 'writer', 'set', 'name', '');
  const r = brokenInvariant([{ name: 'named', fn: () => false }], 7, trace, { tasks: [], peeked: null, peekSet: new Set() });
  t.equal(r!.found.message, 'invariant named failed after step 7 (writer: set name)');
  t.equal(r!.blame, null, 'no shared cell read: nothing to blame');
  t.end();
});
