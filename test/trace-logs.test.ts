// Logs that belong to steps (issue 29, item 3): hosted console.* and ctx.log/sim.log are lines of
// the run's timeline at their step, and `replay` prints the reported run's lines once (a seed's
// pilot and check runs used to print them too: a run that logged twice showed four or five lines).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { replay } from '../dist/harness/index.js';
import { buildView } from '../dist/harness/report/html/index.js';

const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const LOGS = new URL('./fixtures/host-log.ts', import.meta.url).pathname;
const THREAD = new URL('./fixtures/thread-log.ts', import.meta.url).pathname;

const cli = (...args: string[]): string => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return r.stdout + r.stderr;
};

t.test('replay prints what a host run logged once, with its step, and nothing else reaches the terminal', (t) => {
  const out = cli('replay', LOGS, '--variant', 'logs', '--seed', '1');
  t.equal(out.split('hello from n1').length - 1, 1, 'the console.log at start, once');
  t.equal(out.split('tick at').length - 1, 1, 'the console.warn in a timer, once');
  t.match(out, /^logged:\n {2}step 1 \(0ms\) n1: hello from n1 \{ term: 1 \}\n {2}step 1 \(0ms\) n1: ctx says hi\n {2}step 2 \([\d.]+ms\) n1: warn: tick at 5\n/);
  t.end();
});

t.test('replay --trace shows each logged line at its step, not again after the run', (t) => {
  const out = cli('replay', LOGS, '--variant', 'logs', '--seed', '1', '--trace');
  t.match(out, /\n\s+1\s+0ms\s+n1\s+log: hello from n1 \{ term: 1 \}\n\s+1\s+0ms\s+n1\s+log: n1: ctx says hi\n/);
  t.match(out, /n1:setTimeout\(5\)#1@host-log\.ts:\d+ fire\n\s+2\s+[\d.]+ms\s+n1\s+log: warn: tick at 5\n/, 'the timer\'s line follows its fire');
  t.equal(out.split('hello from n1').length - 1, 1);
  t.notMatch(out, /logged:/);
  t.end();
});

t.test('a thread target\'s sim.log is in the result and on the page at its step', async (t) => {
  const r = await replay({ target: THREAD, variant: 'correct', seed: 1, trace: true, inline: true, strategy: { name: 'random' } });
  const logged = r.trace!.filter((e) => e.op === 'log');
  t.same(logged.map((e) => [e.task, e.result]).sort(), [['a', '"a holds m"'], ['b', '"b holds m"']]);
  for (const e of logged) {
    const lock = r.trace!.find((x) => x.task === e.task && x.op === 'lock' && x.result !== 'blocks')!;
    t.ok(e.step >= lock.step, `${e.task}'s line comes at or after the step it took the lock`);
  }
  t.same(r.logs?.lines.map((l) => [l.step, l.task, l.message]), logged.map((e) => [e.step, e.task, JSON.parse(e.result) as string]), 'the result keeps every timeline log line');
  const view = buildView(r, r.replayCommand);
  t.same(view.events.filter((e) => e.op === 'log').map((e) => e.step), logged.map((e) => e.step));
});
