import t from 'tap';
import { signatureOf } from '../dist/harness/core/signature.js';
import type { Violation } from '../dist/harness/core/violation.js';

type V = Pick<Violation, 'kind' | 'actors' | 'message' | 'details'>;
const v = (kind: string, message: string, actors: string[] = [], details?: Record<string, unknown>): V => ({ kind, message, actors, ...(details !== undefined ? { details } : {}) });

/** Each violation and its signature: what is kept names the failure, what is masked is the run's. */
const TABLE: { name: string; v: V; sig: string }[] = [
  { name: 'an assertion: numbers masked, the task prefix gone',
    v: v('assert', 'assertion failed in worker-2: expected 3 acks, got 2', ['worker-2']), sig: 'assert:expected # acks, got #' },
  { name: 'an assertion outside a task',
    v: v('assert', 'assertion failed: expected 3 acks, got 2'), sig: 'assert:expected # acks, got #' },
  { name: 'node and task names keep their stem, lose their number',
    v: v('assert', 'assertion failed in n2/manager: n2: leader-only work of term 4 started on a store applied up to 0, before the term\'s no-op at 7', ['n2/manager']),
    sig: 'assert:n#: leader-only work of term # started on a store applied up to #, before the term\'s no-op at #' },
  { name: 'a second task of one name (name#2) is the first one',
    v: v('assert', 'assertion failed in client#2: client#2 retried request c1#14 after it was applied', ['client#2']), sig: 'assert:client retried request c# after it was applied' },
  { name: 'double-quoted, single-quoted and backquoted values masked; an apostrophe is not a quote',
    v: v('assert', 'assertion failed in w: the leader\'s key "k17" holds \'stale\', not `fresh`', ['w']), sig: 'assert:the leader\'s key "#" holds \'#\', not `#`' },
  { name: 'a collection is one value, whatever its size',
    v: v('assert', 'assertion failed in w: got {"acks":[1,2,3],"ok":false} from [n1, n2, n3]', ['w']), sig: 'assert:got {#} from [#]' },
  { name: 'hex ids and uuids masked whole',
    v: v('assert', 'assertion failed in w: request 0x1f3a (id 3fa9c2e1b7, trace 123e4567-e89b-12d3-a456-426614174000) lost', ['w']), sig: 'assert:request # (id #, trace #) lost' },
  { name: 'a negative number keeps its sign',
    v: v('invariant', 'invariant 0 <= count <= capacity failed after step 26 (consumer-2: set count → -1)', ['consumer-2'], { invariant: '0 <= count <= capacity' }),
    sig: 'invariant:# <= count <= capacity' },
  { name: 'an invariant that threw is another failure of it',
    v: v('invariant', 'invariant queue ok failed after step 9 (w-1: get q → 2): threw TypeError: q.items is undefined (at check (/tmp/x-81ab/t.js:4:9) ← at Run.after (dist/harness/core/run.js:300:11))', ['w-1'], { invariant: 'queue ok' }),
    sig: 'invariant:queue ok threw TypeError: q.items is undefined (at check (t.js) ← at Run.after (run.js))' },
  { name: 'an invariant read from its message when details are missing',
    v: v('invariant', 'invariant size-3 fits failed after step 12'), sig: 'invariant:size-# fits' },
  { name: 'an uncaught error: class, message (single quotes name code), frames without folders or lines',
    v: v('uncaught-error', 'task worker-3 threw: TypeError: Cannot read properties of undefined (reading \'length\') (at Queue.take (/home/u/p/dist/targets/q.js:41:17) ← at worker (/home/u/p/dist/targets/q.js:88:9))', ['worker-3']),
    sig: 'uncaught-error:TypeError: Cannot read properties of undefined (reading \'length\') (at Queue.take (q.js) ← at worker (q.js))' },
  { name: 'setup that threw',
    v: v('uncaught-error', 'setup threw: Error: bad config 12', ['setup']), sig: 'uncaught-error:Error: bad config #' },
  { name: 'a hosted rejection: the error, its package path kept',
    v: v('unhandled-rejection', 'a promise n3\'s hosted code made was rejected and nothing handled it: NotFoundError: Key not found in database [2] (at /work/main/node_modules/levelup/lib/levelup.js:188:15 ← at /work/main/node_modules/encoding-down/index.js:75:21); handle or await the promise', ['n3']),
    sig: 'unhandled-rejection:NotFoundError: Key not found in database [#] (at levelup/lib/levelup.js ← at encoding-down/index.js)' },
  { name: 'a rejection that escaped the simulation',
    v: v('unhandled-rejection', 'a promise the target made was rejected and nothing handled it (3 of them; the first): Error: late 5; it escaped the simulation, so its step is unknown: handle or await the promise'),
    sig: 'unhandled-rejection:Error: late #' },
  { name: 'a lost wakeup: the condvar, its numbers masked',
    v: v('lost-wakeup', 'consumer-1 sleeps forever in notEmpty.wait (since step 16): it missed producer-2\'s signal on notEmpty at step 13', ['consumer-1', 'producer-2'], { waiter: 'consumer-1', object: 'notEmpty' }),
    sig: 'lost-wakeup:notEmpty' },
  { name: 'a lost wakeup on a per-slot condvar',
    v: v('lost-wakeup', 'whatever the detector says now', ['w-1'], { object: 'slot-3.ready' }), sig: 'lost-wakeup:slot-#.ready' },
  { name: 'a lost wakeup read from its message when details are missing',
    v: v('lost-wakeup', 'waiter-1 sleeps forever in opened.wait (since step 9): it missed opener\'s broadcast on opened at step 6', ['waiter-1', 'opener']), sig: 'lost-wakeup:opened' },
  { name: 'a deadlock: the set of objects waited on',
    v: v('deadlock', 'no task can run: …', ['p-1', 'p-2', 'c-1'], { waits: ['p-1 waits on notFull.wait(m)', 'p-2 waits on notFull.wait(m)', 'c-1 waits on notEmpty.wait(m)'], held: [] }),
    sig: 'deadlock:stuck on notEmpty.wait(m), notFull.wait(m)' },
  { name: 'a lock cycle: the mutexes in it',
    v: v('deadlock', 'lock cycle: …', ['a', 'b'], { cycle: [{ task: 'a', holds: 'fork-2', wants: 'fork-1' }, { task: 'b', holds: 'fork-1', wants: 'fork-2' }] }),
    sig: 'deadlock:lock cycle over fork-#' },
  { name: 'mutex misuse: what the task did',
    v: v('mutex-misuse', 'task worker-1 unlocked m held by nobody', ['worker-1']), sig: 'mutex-misuse:unlocked m held by nobody' },
  { name: 'election safety: the property alone',
    v: v('election-safety', 'n2 and n1 were both observed as leader of term 2: at most one leader per term', ['n2', 'n1'], { term: 2, nodes: ['n2', 'n1'] }), sig: 'election-safety' },
  { name: 'log matching: the property alone',
    v: v('log-matching', 'n3 and n2 hold the same entry 3 but differ at entry 2', ['n3', 'n2']), sig: 'log-matching' },
  { name: 'leader completeness, another node\'s entry',
    v: v('leader-completeness', 'n1 became leader of term 2 without entry 1, which n3 applied at step 57', ['n1', 'n3']), sig: 'leader-completeness:other' },
  { name: 'leader completeness, its own entry (lost in a crash)',
    v: v('leader-completeness', 'n1 became leader of term 5 without entry 4, which n1 applied at step 80', ['n1', 'n1']), sig: 'leader-completeness:self' },
  { name: 'state-machine safety between two nodes',
    v: v('state-machine-safety', 'n1 applied 1:x at index 6, but n2 applied 2:noop there at step 3236; the run broke the target\'s declared assumptions: a one-way delay of 197ms', ['n1', 'n2']), sig: 'state-machine-safety:other' },
  { name: 'one node leading a term twice',
    v: v('duplicate-leadership', 'n2 signalled leader for term 1 twice', ['n2'], { nodes: ['n2', 'n2'], terms: [1, 1] }), sig: 'duplicate-leadership:self' },
  { name: 'two nodes leading one term',
    v: v('duplicate-leadership', 'n3 and n2 both signalled leader for term 1', ['n3', 'n2'], { nodes: ['n3', 'n2'] }), sig: 'duplicate-leadership:other' },
  { name: 'a late subscriber',
    v: v('lost-leadership-event', 'the n1/leadership subscription of task n1/manager did not receive …', ['n1/manager', 'n1'], { late: true }), sig: 'lost-leadership-event:late subscriber' },
  { name: 'an event delivered and never taken',
    v: v('lost-leadership-event', '…', ['n1/manager', 'n1'], { late: false }), sig: 'lost-leadership-event:event not taken' },
  { name: 'leadership overlap, liveness, a step budget: the kind alone',
    v: v('liveness', 'no node signalled leadership and applied an entry of its term within livenessMs=3000', []), sig: 'liveness' },
  { name: 'a budget',
    v: v('budget-exceeded', 'the run took more than 100000 steps'), sig: 'budget-exceeded' },
  { name: 'an escape: the call and its site',
    v: v('escaped-simulation', 'n1 called net.connect at /srv/app/lib/db.js:40:3: real I/O …', ['n1'], { call: 'net.connect', site: '/srv/app/lib/db.js:40:3' }),
    sig: 'escaped-simulation:net.connect at db.js' },
  { name: 'an unknown kind: its message masked, the assumptions note cut',
    v: v('my-check', 'replica 3 diverged at offset 1024; the run broke the target\'s declared assumptions: a one-way delay of 44ms'), sig: 'my-check:replica # diverged at offset #' },
];

t.test('signatures, kind by kind', async (t) => {
  for (const row of TABLE) t.equal(signatureOf(row.v), row.sig, row.name);
});

t.test('what a shorter run of the same bug changes leaves the signature alone', async (t) => {
  const same: [V, V][] = [
    [v('assert', 'assertion failed in worker-2: expected 3 acks, got 2', ['worker-2']), v('assert', 'assertion failed in worker-7: expected 12 acks, got 0', ['worker-7'])],
    [v('election-safety', 'n2 and n1 … term 2', ['n2', 'n1']), v('election-safety', 'n3 and n1 … term 9, and the message reworded', ['n3', 'n1'])],
    [v('log-matching', 'entry 3', ['n3', 'n2']), v('log-matching', 'entry 14', ['n1', 'n2'])],
    [v('state-machine-safety', 'n1 applied 1:a at index 6, but n2 …', ['n1', 'n2']), v('state-machine-safety', 'n3 reports entry 1 committed as t1:x, but n2 applied …: a committed entry was lost', ['n3', 'n2'])],
    [v('lost-wakeup', 'x', ['c-1', 'p-2'], { object: 'notEmpty' }), v('lost-wakeup', 'reworded by another detector version', ['c-4', 'p-1'], { object: 'notEmpty' })],
    [v('deadlock', 'x', [], { waits: ['a waits on cv.wait(m)', 'b waits on cv.wait(m)'] }), v('deadlock', 'y', [], { waits: ['c-3 waits on cv.wait(m)'] })],
    [v('uncaught-error', 'task w-1 threw: Error: x 1 (at f (/a/b/t.js:1:2) ← at g (/a/b/t.js:3:4))', ['w-1']), v('uncaught-error', 'task w-9 threw: Error: x 2 (at f (/c/d/t.js:10:2) ← at g (/c/d/t.js:30:4))', ['w-9'])],
  ];
  for (const [a, b] of same) t.equal(signatureOf(a), signatureOf(b), `${a.kind}: ${signatureOf(a)}`);
});

t.test('another failure of the same kind has another signature', async (t) => {
  const differ: [V, V][] = [
    [v('assert', 'assertion failed in w: expected 3 acks, got 2', ['w']), v('assert', 'assertion failed in w: resource leaked: 2 handles open', ['w'])],
    [v('uncaught-error', 'task w threw: TypeError: x is not a function (at a (t.js:1:1) ← at b (t.js:2:2))', ['w']), v('uncaught-error', 'task w threw: TypeError: x is not a function (at c (u.js:1:1) ← at d (u.js:2:2))', ['w'])],
    [v('lost-wakeup', 'x', [], { object: 'notEmpty' }), v('lost-wakeup', 'x', [], { object: 'notFull' })],
    [v('invariant', 'invariant a failed after step 1', [], { invariant: 'a' }), v('invariant', 'invariant b failed after step 1', [], { invariant: 'b' })],
    [v('leader-completeness', 'x', ['n1', 'n1']), v('leader-completeness', 'x', ['n1', 'n2'])],
    [v('assert', 'x', []), v('invariant', 'x', [])],
  ];
  for (const [a, b] of differ) t.not(signatureOf(a), signatureOf(b), `${signatureOf(a)} ≠ ${signatureOf(b)}`);
});

t.test('a long message is cut, the same way every time', async (t) => {
  const long = v('assert', `assertion failed: ${'word '.repeat(100)}`);
  const s = signatureOf(long);
  t.ok(s.length <= 'assert:'.length + 201, `${s.length} characters`);
  t.ok(s.endsWith('…'));
  t.equal(signatureOf(long), s);
});
