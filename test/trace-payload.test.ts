// Traces with contents (issue 29, item 2): a message's payload in short form on its send and
// delivery lines, for host and thread nodes alike, in `replay --trace` and on the page; quiet
// ticks folded unless --trace=all; and none of it in a label, key or hash.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { replay } from '../dist/harness/index.js';
import { shortForm, SHORT_FORM_MAX } from '../dist/harness/core/short-form.js';
import { traceText } from '../dist/harness/cli/trace-print.js';
import { buildView } from '../dist/harness/report/html/index.js';
import type { TraceEvent } from '../dist/harness/core/trace.js';

const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const LEASE = new URL('./fixtures/host-lease.ts', import.meta.url).pathname;

const cli = (...args: string[]): { out: string; code: number | null } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { out: r.stdout + r.stderr, code: r.status };
};

t.test('shortForm: data properties only, the type left to the label, elided to fit', (t) => {
  t.equal(shortForm({ type: 'lease-reply', granted: true, term: 3 }, undefined, true), '{granted:true,term:3}');
  t.equal(shortForm({ type: 'x', to: 'n2', list: [1, 2], m: new Map([[1, 2]]) }), '{type:"x",to:"n2",list:[1,2],m:Map(1)}');
  let reads = 0;
  const withGetter = { a: 1, get b(): number { reads++; return 2; } };
  t.equal(shortForm(withGetter), '{a:1,b:get}', 'a getter shows as get');
  const trapped = new Proxy({ a: 1 }, { get: () => { reads++; return 0; }, ownKeys: () => { reads++; return []; } });
  t.equal(shortForm({ p: trapped }), '{p:Proxy}');
  class Vote { constructor(readonly term: number) {} }
  t.equal(shortForm(new Vote(4)), 'Vote{term:4}');
  t.equal(reads, 0, 'no user code ran while rendering');
  const long = shortForm({ entries: Array.from({ length: 100 }, (_, i) => ({ index: i, term: 1 })) });
  t.equal(long.length, SHORT_FORM_MAX);
  t.ok(long.endsWith('…'));
  t.end();
});

t.test('a host node\'s trace names each message\'s contents, at its send and its delivery', (t) => {
  const folded = cli('replay', LEASE, '--variant', 'count-any-reply', '--seed', '1', '--trace');
  t.match(folded.out, /n3\s+send n3→n1:voted#1 \{term:1,from:"n3",granted:true\}\n/);
  t.match(folded.out, /n3→n1:voted#1\s+fire \{term:1,from:"n3",granted:true\}\n/, 'was the vote granted: the delivery says');
  t.match(folded.out, /quiet ticks folded: --trace=all prints every line/);
  t.match(folded.out, /folded steps \d+–\d+: nemesis 2 ticks/);
  t.notMatch(folded.out, /reached n\d\/leadership → \[\]/, 'a leadership read nobody heard is left out');
  const all = cli('replay', LEASE, '--variant', 'count-any-reply', '--seed', '1', '--trace=all');
  t.notMatch(all.out, /folded/);
  t.match(all.out, /nemesis#3\s+fire\n/);
  t.match(all.out, /reached n1\/leadership → \[\]/);
  const plain = cli('replay', LEASE, '--variant', 'count-any-reply', '--seed', '1');
  const hash = (s: string): string | undefined => /decision-hash: (\w+)/.exec(s)?.[1];
  t.ok(hash(plain.out) !== undefined);
  t.equal(hash(folded.out), hash(plain.out), 'payloads in the trace change no decision');
  t.equal(hash(all.out), hash(plain.out));
  const bad = cli('replay', LEASE, '--variant', 'count-any-reply', '--seed', '1', '--trace=some');
  t.equal(bad.code, 2);
  t.match(bad.out, /--trace takes no value, or all/);
  const before = cli('replay', '--trace', LEASE, '--variant', 'count-any-reply', '--seed', '1');
  t.equal(before.out, folded.out, '--trace before the target still reads the target as the target');
  t.end();
});

t.test('a thread node\'s messages carry their payload too, and the page shows it on the arrow', async (t) => {
  const r = await replay({ target: 'raft', variant: 'no-lease', seed: 1, trace: true, inline: true, strategy: { name: 'random' } });
  const sends = r.trace!.filter((e) => e.op === 'send');
  t.ok(sends.length > 0);
  t.ok(sends.every((e) => e.note !== undefined && e.note.length <= SHORT_FORM_MAX && /term:\d+/.test(e.note)), 'every raft message names its term');
  const fire = r.trace!.find((e) => e.op === 'fire' && e.task.includes('→'))!;
  const sent = sends.find((e) => e.obj === fire.task)!;
  t.equal(fire.note, sent.note, 'the delivery shows what was sent');
  const view = buildView(r, r.replayCommand);
  const msg = view.links.find((l) => l.kind === 'message')!;
  t.equal(msg.payload, r.trace![msg.from]!.note, 'an arrow carries its message\'s payload');
  t.ok(view.events.some((e) => e.op === 'send' && e.note !== undefined));
  // The failure file's window holds no payloads: its schema is unchanged.
  t.ok(r.traceWindow.every((e) => !('note' in e)));
});

const ev = (step: number, task: string, op: string, obj = '', result = '', note?: string): TraceEvent =>
  note === undefined ? { step, timeMs: step, task, op, obj, result } : { step, timeMs: step, task, op, obj, result, note };

t.test('traceText folds runs of quiet steps, keeps a lone sleeper\'s wake and the steps a violation names', (t) => {
  const trace = [
    ev(1, 'n1', 'send', 'n1→n2:ping#1', '', '{n:1}'),
    ev(2, 'timer:n1/ticker', 'fire'), ev(3, 'n1/ticker', 'wake', 'timer'), ev(3, 'n1/ticker', 'sleep', '10ms'),
    ev(4, 'nemesis#1', 'fire'),
    ev(5, 'timer:n2/ticker', 'fire'), ev(6, 'n2/ticker', 'wake', 'timer'), ev(6, 'n2/ticker', 'sleep', '10ms'),
    ev(7, 'n1→n2:ping#1', 'fire', '', '', '{n:1}'),
    ev(8, 'timer:worker', 'fire'),
    ev(9, 'worker', 'wake', 'timer'), ev(9, 'worker', 'lock', 'm'),
    ev(10, 'nemesis#2', 'fire'),
    ev(11, 'n1:setInterval(50)#4@x.js:3', 'fire'),
    ev(12, 'nemesis#3', 'fire'),
    ev(13, 'worker', 'unlock', 'm'),
  ];
  const lines = traceText(trace, { all: false, keep: new Set([11]) });
  t.match(lines[1], /send n1→n2:ping#1 \{n:1\}$/);
  t.match(lines[2], /^\s+2\s+2ms\s+…\s+folded steps 2–6: n1\/ticker 1 tick, nemesis 1 tick, n2\/ticker 1 tick$/);
  t.match(lines[3], /n1→n2:ping#1\s+fire \{n:1\}$/);
  t.match(lines[4], /timer:worker\s+fire$/, 'one quiet step between busy ones stays');
  t.equal(lines.filter((l) => / 10 .*nemesis#2/.test(l)).length, 0, 'a lone nemesis tick is left out');
  t.ok(lines.some((l) => /n1:setInterval\(50\)#4@x\.js:3 fire$/.test(l)), 'a step the violation names is never folded');
  t.equal(lines.filter((l) => /nemesis#3/.test(l)).length, 0);
  t.match(lines[lines.length - 1], /unlock m$/);
  const all = traceText(trace, { all: true });
  t.equal(all.length, trace.length + 1, '--trace=all: every line');
  t.end();
});
