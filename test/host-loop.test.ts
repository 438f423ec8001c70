/**
 * Host mode runs Node's event loop (harness/host/loop.ts): each node's timers, immediates and
 * deliveries run in the order Node (v20, libuv 1.46) gives them, under every loop weather. Each
 * test cites the rule of lib/internal/timers.js, src/env.cc or libuv's uv_run it checks.
 */
import t from 'tap';
import { join } from 'node:path';
import { execute, DEFAULT_OPTIONS } from '../dist/harness/engine/execute.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import type { Target } from '../dist/harness/core/api.js';
import type { Weather } from '../dist/harness/faults/weather.js';
import type { LoopWeather } from '../dist/harness/faults/loop-weather.js';
import { HOST_EPOCH_MS } from '../dist/harness/host/index.js';
import { phaseErrors } from './lib/node-phases.js';

const LOOPS: readonly LoopWeather[] = [
  { profile: 'none', lagMsMax: 0, costMsMean: 0, stallRate: 0, stallMsMax: 0 },
  { profile: 'light', lagMsMax: 1, costMsMean: 0.2, stallRate: 0, stallMsMax: 0 },
  { profile: 'heavy-tail', lagMsMax: 3, costMsMean: 0.5, stallRate: 0.05, stallMsMax: 20 },
];

function weather(loop: LoopWeather): Weather {
  return { latency: 'fixed', faults: {}, net: {}, workload: {}, loop };
}

/** A one-node host target whose main is `main`; `log` collects what its callbacks record. */
function probe(main: (log: string[]) => void, log: string[]): Target {
  return { name: 'loop-probe', description: 'one hosted node', variants: ['a'], host: true, setup(sim) { sim.node('app', () => main(log)); } };
}

/** Each seed under each loop weather: the callbacks' log of every run. */
async function sweep(main: (log: string[]) => void, seeds: number): Promise<string[][]> {
  const out: string[][] = [];
  for (const loop of LOOPS) {
    for (let s = 1; s <= seeds; s++) {
      const log: string[] = [];
      const r = await execute({ target: probe(main, log), variant: 'a', seed: String(s), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 1_000, weather: weather(loop) } });
      if (r.outcome !== 'pass') throw new Error(`seed ${s}: ${r.violations[0]!.message}`);
      out.push([...log]);
    }
  }
  return out;
}

// Whole ms on the node's virtual clock (performance.now() counts from the process's start).
const loopMs = (): number => Date.now() - HOST_EPOCH_MS;

// processImmediate runs its queue in order; listOnTimeout runs a duration's list in insertion order.
t.test('two immediates and two equal-delay timers run in arming order, every seed and weather', async (t) => {
  const runs = await sweep((log) => {
    setImmediate(() => log.push('i1'));
    setTimeout(() => log.push('t1'), 5);
    setImmediate(() => log.push('i2'));
    setTimeout(() => log.push('t2'), 5);
  }, 60);
  const bad = runs.filter((l) => !(l.indexOf('i1') < l.indexOf('i2') && l.indexOf('t1') < l.indexOf('t2')) || l.length !== 4);
  t.same(bad, [], `${runs.length} runs`);
});

// insert(): `msecs = MathTrunc(msecs)`: 1.9 and 1 share the 1 ms list, in insertion order.
t.test('setTimeout(a, 1.9) then setTimeout(b, 1) runs a then b', async (t) => {
  const runs = await sweep((log) => {
    setTimeout(() => log.push('a'), 1.9);
    setTimeout(() => log.push('b'), 1);
  }, 60);
  t.same(runs.filter((l) => l.join(' ') !== 'a b'), [], `${runs.length} runs`);
});

// RunTimers reads now once; a timer due after that read waits for the next iteration, and the
// check phase (uv__run_check) comes first.
t.test('a timer overdue during a timers phase runs after the immediates queued in that iteration', async (t) => {
  let overdue = 0;
  let late = 0;
  const wrong: string[] = [];
  const runs = await sweep((log) => {
    setTimeout(() => {
      log.push(`A@${loopMs()}`);
      setImmediate(() => log.push(`I@${loopMs()}`));
    }, 5);
    setTimeout(() => log.push('B'), 6);
  }, 80);
  for (const l of runs) {
    const at = Number(l[0]!.slice(2));
    // A woke at 6 or later: B expired at the same read of now and runs in the same phase.
    const expected = at >= 6 ? 'A B I' : 'A I B';
    if (l.map((x) => x[0]).join(' ') !== expected) wrong.push(l.join(' '));
    if (at >= 6) late++;
    if (at < 6 && Number(l[1]!.slice(2)) >= 6) overdue++;
  }
  t.same(wrong, [], `${runs.length} runs`);
  t.ok(overdue > 0, `B was overdue when I ran, and waited, in ${overdue} runs`);
  t.ok(late > 0, `the loop woke late enough for A and B to expire together in ${late} runs`);
});

// An immediate never runs inside a timers phase: both 5 ms timers expire together, then check.
t.test('an immediate queued by a timer runs after every timer of that phase', async (t) => {
  const runs = await sweep((log) => {
    setTimeout(() => {
      log.push('t1');
      setImmediate(() => log.push('i'));
    }, 5);
    setTimeout(() => log.push('t2'), 5);
  }, 60);
  t.same(runs.filter((l) => l.join(' ') !== 't1 t2 i'), [], `${runs.length} runs`);
});

// Node's docs ("setImmediate() vs setTimeout()"): in the main module the order is not determined.
// libuv's poll timeout is whole ms from a loop time read a fraction of a ms late, and epoll_wait
// sleeps from there (faults/loop-weather.ts, IDLE_LAG_MS_MAX): a timer's callback never starts
// on its due ms, each wake is late by its own amount, and a callback costs some CPU. With one lag
// for every wake, performance.now() differences came out whole ms, exactly a TTL: lru-cache
// 11.5.2 then never purged (bench/README-fidelity.md).
t.test('every wake is late by a fraction of its own: performance.now() differences are not whole ms', async (t) => {
  const runs = await sweep((log) => {
    let n = 0;
    const tick = (): void => {
      log.push(String(performance.now()));
      if (++n < 12) setTimeout(tick, 10);
    };
    setTimeout(tick, 10);
  }, 20);
  for (const [k, l] of runs.entries()) {
    const reads = l.map(Number);
    const fractions = new Set(reads.map((x) => Math.round((x % 1) * 1e6)));
    const whole = reads.slice(1).filter((x, i) => Number.isInteger(Math.round((x - reads[i]!) * 1e6) / 1e6));
    if (fractions.size < reads.length - 1 || whole.length > 1) {
      t.fail(`run ${k} (${LOOPS[Math.floor(k / 20)]!.profile}): reads ${reads.join(', ')}`);
      return;
    }
  }
  t.pass(`${runs.length} runs of 12 wakes: a fraction of a ms each, no two alike, no whole-ms gap but by chance`);
});

t.test('the main module\'s setTimeout(0) vs setImmediate race goes both ways, and replays', async (t) => {
  const log: string[] = [];
  const target = probe((l) => {
    setTimeout(() => l.push('timeout'), 0);
    setImmediate(() => l.push('immediate'));
  }, log);
  const firsts = new Map<string, string>();
  for (let s = 1; s <= 20; s++) {
    log.length = 0;
    await execute({ target, variant: 'a', seed: String(s), strategy: { name: 'random' }, options: { ...DEFAULT_OPTIONS, durationMs: 100 } });
    firsts.set(String(s), log[0]!);
  }
  const kinds = new Set(firsts.values());
  t.same([...kinds].sort(), ['immediate', 'timeout'], 'both orders');
  for (const [seed, first] of [...firsts].slice(0, 4)) {
    log.length = 0;
    await replay({ target, variant: 'a', seed, strategy: 'random', fixedWeather: true, faults: [], durationMs: 100 });
    t.equal(log[0], first, `seed ${seed} replays ${first} first`);
  }
});

const fixtures = join(import.meta.dirname, 'fixtures');

t.test('failing host schedules keep Node\'s phase rules (whole traces)', async (t) => {
  const bug = await explore({ target: join(fixtures, 'host-lease.ts'), variant: 'count-any-reply', seeds: '1..40', faults: [], inline: true });
  t.ok(bug.failures.length > 0, `count-any-reply fails under --faults none (${bug.failures.length} of 40)`);
  let callbacks = 0;
  for (const f of bug.failures.slice(0, 6)) {
    const r = await replay({ target: join(fixtures, 'host-lease.ts'), variant: 'count-any-reply', seed: f.seed, faults: [], trace: true });
    t.equal(r.decisionHash, f.decisionHash, `seed ${f.seed} replays`);
    callbacks += r.trace!.filter((e) => e.op === 'fire' && /:set(Timeout|Interval|Immediate)/.test(e.task)).length;
    t.same(phaseErrors(r.trace!), [], `seed ${f.seed}`);
  }
  for (const seed of ['1', '2']) {
    const r = await replay({ target: join(fixtures, 'host-lease.ts'), variant: 'correct', seed, faults: [], trace: true });
    callbacks += r.trace!.filter((e) => e.op === 'fire' && /:set(Timeout|Interval|Immediate)/.test(e.task)).length;
    t.same(phaseErrors(r.trace!), [], `correct seed ${seed}`);
  }
  t.ok(callbacks > 100, `${callbacks} hosted callbacks checked`);
  t.same(phaseErrors([
    { step: 1, timeMs: 0, task: 'n1', op: 'loop:check', obj: '', result: '' },
    { step: 1, timeMs: 0, task: 'n1:setTimeout(5)#1', op: 'fire', obj: '', result: '' },
  ]).length, 1, 'the checker refuses a timer in the check phase');
});

t.test('never-settled: a hang at quiescence is reported with where it was made; the correct pool is clean', async (t) => {
  const target = join(fixtures, 'host-hang.ts');
  const r = await explore({ target, seeds: '1..60', inline: true });
  t.same(r.violationsByVariant['correct'] ?? {}, {}, 'correct: every acquire settles');
  t.equal(r.violationsByVariant['lost-handoff']?.['never-settled'], 60, 'lost-handoff: every seed');
  const f = r.failures.find((x) => x.variant === 'lost-handoff')!;
  t.match(f.first.message, /app's hosted code made a promise at step \d+ .*while app:setTimeout\(\d\)#\d+ ran .*that never settled/);
  const traced = await replay({ target, variant: 'lost-handoff', seed: f.seed, trace: true });
  t.match(traced.violations[0]!.message, /ran at pool\.cjs:\d+, that never settled/, 'a replay with --trace names the file:line');
  const cut = await explore({ target, variant: 'lost-handoff', seeds: '1..5', durationMs: 2, inline: true });
  t.same(cut.violationsByKind, {}, 'a run cut off by its duration is not quiescent: no finding');
});

// A callback the loop holds back (its event came due, but Node's order puts another first) is a
// `wait` line naming the one that runs; its `fire` line comes when it runs. Before, a one-shot
// timer showed two `fire` lines, as if it had run twice.
t.test('a held-back callback is a wait line: every one-shot timer fires once in a whole trace', async (t) => {
  const lru = join(import.meta.dirname, 'fixtures/fidelity/lru-cache.ts');
  const r = await replay({ target: lru, variant: 'fixed', seed: '6570', trace: true });
  const trace = r.trace!;
  const waits = trace.filter((e) => e.op === 'wait');
  t.ok(waits.length > 0, `seed 6570 holds callbacks back (${waits.length})`);
  t.ok(waits.every((e) => /^the loop runs app:set(Timeout|Immediate)/.test(e.obj)), 'each names the callback that runs instead');
  const fires = new Map<string, number>();
  for (const e of trace) if (e.op === 'fire' && /:setTimeout\(/.test(e.task)) fires.set(e.task, (fires.get(e.task) ?? 0) + 1);
  t.same([...fires].filter(([, n]) => n > 1), [], `${fires.size} one-shot timers, each fired once`);
});
