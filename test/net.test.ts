/**
 * The simulated network (harness/net) and the detectors over it (harness/check/leadership,
 * raft-safety, liveness), driven through `execute` with user-style targets from test/fixtures.
 */
import t from 'tap';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import type { RunResult } from '../dist/harness/engine/execute.js';
import type { RunOptions } from '../dist/harness/engine/options.js';
import type { Target } from '../dist/harness/core/api.js';
import { pingPong } from './fixtures/net-pingpong.js';
import twoPhaseCommit from './fixtures/net-2pc.js';
import { leaderTarget } from './fixtures/net-leader.js';
import { crashProbe, type ProbeEvent } from './fixtures/net-crash-probe.js';
import observeTarget from './fixtures/net-observe.js';

function run(target: Target, variant: string, seed: string, options: Partial<RunOptions> = {}): Promise<RunResult> {
  return execute({ target, variant, seed, strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, ...options } });
}

const kinds = (r: RunResult): string[] => r.violations.map((v) => v.kind);
const faultsOf = (r: RunResult): Set<string> => new Set(r.faultLog.map((f) => f.fault));

t.test('deliveries are scheduling choices: the order varies with the seed, one seed replays exactly', async (t) => {
  const orders = new Set<string>();
  for (let s = 0; s < 12; s++) {
    const r = await run(pingPong(), 'correct', `order-${s}`);
    t.equal(r.outcome, 'pass', `seed order-${s} passes`);
    orders.add(r.decisions.filter((d): d is string => typeof d === 'string' && d.includes('→')).join(' ').slice(0, 400) + r.decisionHash);
  }
  t.ok(orders.size > 1, `12 seeds gave ${orders.size} distinct runs`);
  const a = await run(pingPong(), 'correct', 'replay-2', { faults: { drop: 0.2, delay: 0.2, reorder: 0.2, duplicate: 0.2 } });
  const b = await run(pingPong(), 'correct', 'replay-2', { faults: { drop: 0.2, delay: 0.2, reorder: 0.2, duplicate: 0.2 } });
  t.equal(a.decisionHash, b.decisionHash, 'same seed, same decision hash');
  t.same(a.decisions, b.decisions, 'same seed, same decisions');
  t.same(a.faultLog, b.faultLog, 'same seed, same fault log');
  t.ok(a.decisions.includes('n1→n2:ping#1'), 'labels read from→to:kind#occurrence');
  t.ok(a.decisions.includes('n2→n1:pong#1'), 'the reply is labelled too');
});

t.test('each per-message fault happens, and deterministically', async (t) => {
  for (const fault of ['drop', 'duplicate', 'reorder', 'delay']) {
    const opts = { faults: { [fault]: 0.3 } };
    const a = await run(pingPong(), 'correct', `msg-${fault}`, opts);
    const b = await run(pingPong(), 'correct', `msg-${fault}`, opts);
    t.ok(faultsOf(a).has(fault), `${fault} is in the fault log`);
    t.same(faultsOf(a), new Set([fault]), `${fault} alone was injected`);
    t.same(a.faultLog, b.faultLog, `${fault}: the same seed injects it at the same steps`);
    t.equal(a.outcome, 'pass', `ping-pong with retransmission survives ${fault}`);
  }
  const dup = await run(pingPong(), 'correct', 'msg-duplicate', { faults: { duplicate: 0.3 } });
  t.ok(dup.decisions.some((d) => typeof d === 'string' && d.endsWith('+dup')), 'a duplicate is delivered as its own step');
});

t.test('a lost message hangs the variant without retransmission (deadlock), never the correct one', async (t) => {
  let hung = 0;
  for (let s = 0; s < 10; s++) {
    const bad = await run(pingPong(), 'no-retransmit', `drop-${s}`, { faults: { drop: 0.2 } });
    const good = await run(pingPong(), 'correct', `drop-${s}`, { faults: { drop: 0.2 } });
    if (kinds(bad).includes('deadlock')) hung++;
    t.equal(good.outcome, 'pass', `correct survives drop-${s}`);
  }
  t.ok(hung >= 5, `no-retransmit deadlocked on ${hung} of 10 seeds`);
});

t.test('nemesis faults (partition, crash, pause, clock-skew) happen, heal, and replay', async (t) => {
  for (const fault of ['partition', 'crash', 'pause', 'clock-skew']) {
    const opts = { faults: { [fault]: 0.5 }, faultWindowMs: 1_000 };
    const a = await run(pingPong(), 'correct', `nem-${fault}`, opts);
    const b = await run(pingPong(), 'correct', `nem-${fault}`, opts);
    t.ok(faultsOf(a).has(fault), `${fault} is in the fault log`);
    t.same(a.faultLog, b.faultLog, `${fault} replays identically`);
    t.equal(a.decisionHash, b.decisionHash, `${fault}: same decision hash`);
    t.equal(a.outcome, 'pass', `ping-pong survives ${fault}`);
  }
  const p = await run(pingPong(), 'correct', 'nem-partition', { faults: { partition: 0.5 }, faultWindowMs: 1_000 });
  const details = p.faultLog.filter((f) => f.fault === 'partition').map((f) => f.detail).join('\n');
  t.match(details, /symmetric|one-way|isolated/, 'partitions have a shape');
  t.ok(faultsOf(p).has('heal') || faultsOf(p).has('quiet'), 'partitions heal');
});

/** What storage a started incarnation must see: every key of the incarnations that ran before,
 * minus the unsynced writes a crash lost. */
function expectedStorage(starts: ProbeEvent[], upTo: number, lost: (inc: number) => boolean): Record<string, unknown> {
  const want: Record<string, unknown> = {};
  for (const s of starts.slice(0, upTo)) {
    want[`synced-${s.incarnation}`] = { n: s.incarnation };
    if (!lost(s.incarnation)) want[`unsynced-${s.incarnation}`] = { n: s.incarnation };
  }
  return want;
}

t.test('crash abandons the node\'s tasks and restarts main with its storage as last written', async (t) => {
  for (const seed of ['crash-1', 'crash-2', 'crash-3']) {
    const events: ProbeEvent[] = [];
    const r = await run(crashProbe(events), 'probe', seed, {
      faults: { crash: 1 }, faultWindowMs: 350, durationMs: 700, net: { crashDownMsMax: 40 },
    });
    t.equal(r.outcome, 'pass');
    const crashes = r.faultLog.filter((f) => f.fault === 'crash');
    t.ok(crashes.length >= 3, `${seed}: ${crashes.length} crashes, one per nemesis tick`);
    const starts = events.filter((e) => e.what === 'start');
    t.ok(starts.length >= 2, `${seed}: main ran in ${starts.length} incarnations`);
    starts.forEach((s, i) => {
      t.equal(s.task, s.incarnation === 1 ? 'n1' : `n1#${s.incarnation}`, `incarnation ${s.incarnation} is a new task`);
      t.same(s.storage, expectedStorage(starts, i, () => false), `incarnation ${s.incarnation} reads what its predecessors wrote`);
    });
    t.notOk(events.some((e) => e.what === 'finally'), 'no finally of an abandoned task ever runs');
    for (const c of crashes) {
      const inc = Number(/incarnation (\d+)/.exec(c.detail)![1]);
      t.notOk(events.some((e) => e.incarnation === inc && e.virtualMs > c.timeMs), `incarnation ${inc} never runs after its crash`);
    }
    t.ok(events.some((e) => e.what === 'tick' && e.virtualMs > 350), 'the node runs on in the quiet period');
  }
});

t.test('lose-unsynced drops a suffix of the writes not synced before the crash', async (t) => {
  let hits = 0;
  for (const seed of ['lose-1', 'lose-2', 'lose-3', 'lose-4']) {
    const events: ProbeEvent[] = [];
    const r = await run(crashProbe(events), 'probe', seed, {
      faults: { crash: 1, 'lose-unsynced': 1 }, faultWindowMs: 350, durationMs: 500, net: { crashDownMsMax: 20 },
    });
    const lostBy = new Set(r.faultLog.filter((f) => f.fault === 'lose-unsynced').map((f) => {
      const crash = r.faultLog.filter((c) => c.fault === 'crash' && c.step === f.step)[0]!;
      return Number(/incarnation (\d+)/.exec(crash.detail)![1]);
    }));
    hits += lostBy.size;
    const starts = events.filter((e) => e.what === 'start');
    starts.forEach((s, i) => {
      t.same(s.storage, expectedStorage(starts, i, (inc) => lostBy.has(inc)), `${seed}: incarnation ${s.incarnation} sees synced writes only`);
    });
  }
  t.ok(hits >= 2, `${hits} crashes lost unsynced writes`);
});

t.test('clock-skew: a node\'s clock and sleeps run at its drawn drift', async (t) => {
  const events: ProbeEvent[] = [];
  const r = await run(crashProbe(events), 'probe', 'skew-3', {
    faults: { 'clock-skew': 1 }, durationMs: 200, net: { driftPpmMax: 100_000 },
  });
  const entry = r.faultLog.find((f) => f.fault === 'clock-skew');
  t.ok(entry, 'the drift is in the fault log');
  const ppm = Number(/([+-]\d+)ppm/.exec(entry!.detail)![1]);
  t.not(ppm, 0, `drift ${ppm}ppm`);
  const tick = events.filter((e) => e.what === 'tick').at(-1)!;
  t.ok(Math.abs(tick.localMs / tick.virtualMs - (1 + ppm / 1e6)) < 1e-4, 'local time = virtual time × (1 + drift)');
  t.ok(Math.abs(tick.localMs - Math.round(tick.localMs / 10) * 10) < 0.01, 'sleeps are measured on the local clock');
});

t.test('pause: a paused node takes no step until it resumes', async (t) => {
  const events: ProbeEvent[] = [];
  const r = await run(crashProbe(events), 'probe', 'pause-2', { faults: { pause: 1 }, faultWindowMs: 500, durationMs: 800 });
  const pauses = r.faultLog.filter((f) => f.fault === 'pause');
  t.ok(pauses.length > 0, 'the node was paused');
  t.equal(r.faultLog.filter((f) => f.fault === 'resume').length, pauses.length, 'every pause ends');
  for (const p of pauses) {
    const resume = r.faultLog.find((f) => f.fault === 'resume' && f.step > p.step)!;
    const inside = events.filter((e) => e.virtualMs > p.timeMs && e.virtualMs < resume.timeMs);
    t.same(inside, [], `no step during the pause from ${p.timeMs}ms to ${resume.timeMs}ms`);
    t.ok(resume.timeMs - p.timeMs <= Number(/for (\d+)ms/.exec(p.detail)![1]), 'it lasts at most the drawn time');
  }
  t.equal(r.outcome, 'pass');
});

t.test('duplicate-leadership: a restart that forgets the term, and two leaders of one term', async (t) => {
  const opts = { faults: { crash: 0.5 }, faultWindowMs: 1_000, durationMs: 3_000, livenessMs: 1_000 };
  let caught = 0;
  for (let s = 0; s < 10; s++) {
    const bad = await run(leaderTarget(), 'volatile-term', `dup-${s}`, opts);
    const good = await run(leaderTarget(), 'correct', `dup-${s}`, opts);
    if (kinds(bad).includes('duplicate-leadership')) {
      caught++;
      t.match(bad.violations[0]!.message, /n1 signalled leader for term 1 twice.*after restarting/, 'names the restart');
    }
    t.same(kinds(good), [], `correct (term persisted) passes dup-${s}`);
  }
  t.ok(caught >= 5, `volatile-term caught on ${caught} of 10 seeds`);
  const two = await run(leaderTarget(), 'two-leaders', 'two-1');
  t.same(kinds(two), ['duplicate-leadership']);
  t.same(new Set(two.violations[0]!.actors), new Set(['n1', 'n2']), 'both nodes named');
});

t.test('leadership-overlap: a new leader while the old one never stepped down; ignorable', async (t) => {
  const bad = await run(leaderTarget(), 'no-step-down', 'ov-1');
  t.same(kinds(bad), ['leadership-overlap']);
  t.same(new Set(bad.violations[0]!.actors), new Set(['n1', 'n2']), 'both nodes named');
  t.match(bad.violations[0]!.details, { terms: [1, 1000] }, 'both terms reported');
  const ignored = await run(leaderTarget(), 'no-step-down', 'ov-1', { ignore: new Set(['leadership-overlap']) });
  t.equal(ignored.ignored['leadership-overlap'], 1, 'counted, not reported, when ignored');
  for (let s = 0; s < 10; s++) {
    const good = await run(leaderTarget(), 'handoff', `ov-${s}`, { faults: { delay: 0.5, reorder: 0.5, duplicate: 0.5 } });
    t.same(kinds(good), [], `step down before handing off: no overlap (ov-${s})`);
  }
});

t.test('lost-leadership-event: a late subscriber, and a subscriber that does not read', async (t) => {
  const late = await run(leaderTarget(), 'late-subscriber', 'lost-1');
  t.same(kinds(late), ['lost-leadership-event']);
  t.match(late.violations[0]!.message, /after the signal/);
  const lazy = await run(leaderTarget(), 'lazy-manager', 'lost-1');
  t.same(kinds(lazy), ['lost-leadership-event']);
  t.match(lazy.violations[0]!.message, /taken 0 of the 1 events/);
  for (let s = 0; s < 10; s++) {
    const good = await run(leaderTarget(), 'correct', `lost-${s}`, { durationMs: 3_000 });
    t.same(kinds(good), [], `subscribe first, read always: silent (lost-${s})`);
  }
  // PCT starves low-priority tasks; a runnable node task still holds the clock, so the
  // manager is never left behind by virtual time it could not use.
  const all = { drop: 0.1, delay: 0.1, crash: 0.3, pause: 0.3, partition: 0.3 };
  for (let s = 0; s < 20; s++) {
    const r = await execute({
      target: leaderTarget(), variant: 'correct', seed: `pct-${s}`, strategy: { name: 'pct' },
      options: { ...DEFAULT_OPTIONS, durationMs: 3_000, faults: all, faultWindowMs: 1_000, livenessMs: 1_000 },
    });
    t.same(kinds(r), [], `correct under pct (pct-${s})`);
  }
});

t.test('liveness: a leader that never commits fails after the quiet period; the correct one passes under faults', async (t) => {
  const bad = await run(leaderTarget(), 'no-commit', 'live-1', { durationMs: 3_000, livenessMs: 1_000 });
  t.same(kinds(bad), ['liveness']);
  t.match(bad.violations[0]!.message, /n1 up, signalled leader of term 1/);
  const all = { drop: 0.1, duplicate: 0.1, reorder: 0.1, delay: 0.1, partition: 0.3, crash: 0.3, 'lose-unsynced': 0.5, 'clock-skew': 1, pause: 0.3 };
  for (let s = 0; s < 10; s++) {
    const good = await run(leaderTarget(), 'correct', `live-${s}`, { faults: all, faultWindowMs: 1_000, livenessMs: 1_000, durationMs: 3_000 });
    t.same(kinds(good), [], `correct is live after the window (live-${s})`);
  }
});

t.test('state-machine safety: two-phase commit that sends before it logs', async (t) => {
  const opts = { faults: { crash: 0.3 }, faultWindowMs: 1_000, net: { nemesisIntervalMs: 10, crashDownMsMax: 50 } };
  let caught = 0;
  for (let s = 0; s < 30; s++) {
    const bad = await run(twoPhaseCommit, 'send-before-log', `2pc-${s}`, opts);
    const good = await run(twoPhaseCommit, 'correct', `2pc-${s}`, opts);
    if (kinds(bad).includes('state-machine-safety')) caught++;
    t.same(kinds(good), [], `correct 2PC agrees (2pc-${s})`);
  }
  t.ok(caught >= 3, `send-before-log caught on ${caught} of 30 seeds`);
  const planted = await run(leaderTarget(), 'diverge', 'smr-1');
  t.same(kinds(planted), ['state-machine-safety']);
});

t.test('correct 2PC survives every fault', async (t) => {
  const all = { drop: 0.1, duplicate: 0.1, reorder: 0.1, delay: 0.1, partition: 0.2, crash: 0.2, 'lose-unsynced': 0.5, 'clock-skew': 1, pause: 0.2 };
  for (let s = 0; s < 10; s++) {
    const r = await run(twoPhaseCommit, 'correct', `2pc-all-${s}`, { faults: all, faultWindowMs: 1_000 });
    t.same(kinds(r), [], `2pc-all-${s}`);
  }
});

t.test('Raft safety checkers over observe/applied (Raft paper, Figure 3)', async (t) => {
  const expected: Record<string, string[]> = {
    consistent: [],
    'two-leaders-one-term': ['election-safety'],
    'log-mismatch': ['log-matching'],
    'incomplete-leader': ['leader-completeness'],
    'lost-commit': ['state-machine-safety'],
  };
  for (const [variant, want] of Object.entries(expected)) {
    const r = await run(observeTarget, variant, 'obs-1');
    t.same(kinds(r), want, variant);
  }
});

t.test('a violation under timing beyond the declared assumptions names the assumption', async (t) => {
  const target = leaderTarget(undefined, { maxPauseMs: 50, maxDriftPpm: 100 });
  const beyond = await run(target, 'no-step-down', 'assume-1', {
    faults: { pause: 1 }, net: { pauseMsMax: 400, nemesisIntervalMs: 10 },
  });
  t.same(kinds(beyond), ['leadership-overlap']);
  t.match(beyond.violations[0]!.message, /pause of \d+ms on n\d exceeded the target's declared maxPauseMs=50/);
  const drift = await run(target, 'no-step-down', 'assume-1', { faults: { 'clock-skew': 1 }, net: { driftPpmMax: 100_000 } });
  t.match(drift.violations[0]!.message, /clock drift of -?\d+ppm on n\d exceeded the target's declared maxDriftPpm=100/);
  const within = await run(target, 'no-step-down', 'assume-1', { faults: { pause: 1, 'clock-skew': 1 }, net: { nemesisIntervalMs: 10 } });
  t.notMatch(within.violations[0]!.message, /declared/, 'within the margins (the default knobs), nothing is blamed on them');
  const pauses = within.faultLog.filter((f) => f.fault === 'pause').map((f) => Number(/for (\d+)ms/.exec(f.detail)![1]));
  t.ok(pauses.every((ms) => ms <= 50), 'unset pauseMsMax defaults to the declared maxPauseMs');
});
