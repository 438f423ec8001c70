/**
 * Per-seed weather (harness/faults/weather.ts): each seed draws its own network, deterministically,
 * within the target's declared assumptions outside the fault window, and every feature it draws
 * takes effect in the run.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawWeather, describeWeather, LATENCY_PROFILES, DEFAULT_WEATHER_KINDS, type Weather, type WeatherSpace } from '../dist/harness/faults/weather.js';
import { PARTITION_STYLES } from '../dist/harness/faults/knobs.js';
import { explore } from '../dist/harness/campaign/explore.js';
import { replay } from '../dist/harness/campaign/replay-seed.js';
import { resolveExplore, seedOptions } from '../dist/harness/campaign/resolve.js';
import { execute } from '../dist/harness/engine/execute.js';
import { replayStrategy } from '../dist/harness/strategies/replay.js';
import { makeSchedule, replaySchedule } from '../dist/harness/replay/index.js';
import { streamTarget, type StreamProbe } from './fixtures/net-stream.js';
import { makeRaftTarget } from '../dist/targets/raft/index.js';

const space = (over: Partial<WeatherSpace> = {}): WeatherSpace => ({
  kinds: DEFAULT_WEATHER_KINDS, pinnedRates: {}, pinnedNet: {}, pinnedWorkload: {}, workload: {}, assumptions: null,
  faultWindowMs: [2_500, 5_000], ...over,
});

t.test('a seed draws its weather from itself: the same seed, the same weather; 400 seeds cover every feature', async (t) => {
  t.same(drawWeather('42', space()), drawWeather('42', space()), 'same seed, same weather');
  t.not(JSON.stringify(drawWeather('42', space())), JSON.stringify(drawWeather('43', space())), 'another seed, another weather');
  const latency = new Set<string>();
  const styles = new Set<string>();
  const on = new Map<string, number>();
  let calm = 0;
  let all = 0;
  for (let s = 0; s < 400; s++) {
    const w = drawWeather(String(s), space());
    latency.add(w.latency);
    if (w.faults['partition'] !== undefined) styles.add(String(w.net.partitionStyle));
    for (const k of Object.keys(w.faults)) on.set(k, (on.get(k) ?? 0) + 1);
    const n = Object.keys(w.faults).length;
    if (n === 0) calm++;
    if (n === DEFAULT_WEATHER_KINDS.length) all++;
    t.ok(w.faultWindowMs! >= 2_500 && w.faultWindowMs! <= 5_000, 'the fault window stays in its range');
  }
  t.same([...latency].sort(), [...LATENCY_PROFILES].sort(), 'every latency profile is drawn');
  t.same([...styles].sort(), [...PARTITION_STYLES].sort(), 'every partition style is drawn');
  for (const k of DEFAULT_WEATHER_KINDS) {
    const n = on.get(k) ?? 0;
    t.ok(n > 120 && n < 280, `${k} is on in about half the seeds (${n} of 400)`);
  }
  t.notOk(on.has('spurious'), 'spurious is a thread fault: not drawn for the network by default');
  t.ok(calm >= 15, `some seeds have no fault at all (${calm} of 400)`);
  t.ok(all >= 15, `some seeds have every fault (${all} of 400)`);
});

t.test('pinning a knob or a rate never shifts the other draws', async (t) => {
  const free = drawWeather('7', space());
  const pinned = drawWeather('7', space({ pinnedRates: { drop: 0.25 }, pinnedNet: { crashDownMsMax: 77 } }));
  t.equal(pinned.faults['drop'], 0.25, 'the pinned rate is on, at its value');
  t.equal(pinned.net.crashDownMsMax, 77, 'the pinned knob holds');
  t.same({ ...pinned.faults, drop: free.faults['drop'] }, Object.fromEntries(Object.entries({ ...free.faults, drop: free.faults['drop'] })), 'other rates unchanged');
  t.equal(pinned.net.partitionMsMax, free.net.partitionMsMax, 'other knobs unchanged');
  t.equal(pinned.latency, free.latency, 'latency unchanged');
});

t.test('the same seed gives the same weather and the same decision hash in another process', async (t) => {
  const seed = 'weather-x';
  const r = await explore({ target: 'raft', variant: 'correct', seeds: [seed], hashes: true });
  const w = seedOptions(await resolveExplore({ target: 'raft', variant: 'correct' }), 'correct', seed).weather!;
  const script = `
    const { explore } = await import(${JSON.stringify(new URL('../dist/harness/campaign/explore.js', import.meta.url).href)});
    const { resolveExplore, seedOptions } = await import(${JSON.stringify(new URL('../dist/harness/campaign/resolve.js', import.meta.url).href)});
    const r = await explore({ target: 'raft', variant: 'correct', seeds: [${JSON.stringify(seed)}], hashes: true });
    const w = seedOptions(await resolveExplore({ target: 'raft', variant: 'correct' }), 'correct', ${JSON.stringify(seed)}).weather;
    process.stdout.write(JSON.stringify({ hash: r.hashes[0].hash, weather: w }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { hash: string; weather: Weather };
  t.equal(out.hash, r.hashes[0]!.hash, 'same decision hash');
  t.same(out.weather, w, 'same weather');
});

/** Runs the stream target under one weather; returns what the receiver saw. */
async function stream(w: Weather, seed: string, assumptions?: { maxOneWayDelayMs?: number; maxPauseMs?: number; maxDriftPpm?: number }): Promise<{ got: StreamProbe['got']; faults: string[]; window: number }> {
  const probe: StreamProbe = { got: [] };
  const target = streamTarget(probe, assumptions);
  const r = await resolveExplore({ target, variant: 'correct', weather: w });
  const options = seedOptions(r, 'correct', seed);
  const res = await execute({ target, variant: 'correct', seed, strategy: { name: 'random' }, options });
  return { got: probe.got, faults: res.faultLog.map((f) => `${f.fault} ${f.detail}`), window: options.faultWindowMs! };
}

const outOfOrder = (got: StreamProbe['got']): number => got.filter((g, i) => i > 0 && g[0] < got[i - 1]![0]).length;

t.test('each latency profile takes effect: lockstep keeps a link in order, a heavy tail reorders it', async (t) => {
  const calm = (net: Weather['net']): Weather => ({ latency: 'fixed', faults: {}, net, workload: {} });
  const lock = await stream(calm({ oneWayDelayMinMs: 4, oneWayDelayMaxMs: 4 }), 's1');
  t.ok(lock.got.length > 300, `the stream ran (${lock.got.length} messages)`);
  t.equal(outOfOrder(lock.got), 0, 'lockstep: no message overtakes another');
  t.ok(lock.got.every(([, s, r]) => r - s === 4), 'lockstep: every delay is the one drawn');
  const tail = await stream({ ...calm({ oneWayDelayMinMs: 1, oneWayDelayMaxMs: 5, tailRate: 0.05, tailMsMax: 400 }), latency: 'heavy-tail' }, 's1');
  t.ok(outOfOrder(tail.got) > 0, `heavy tail: messages overtake (${outOfOrder(tail.got)} out of order)`);
  t.ok(tail.got.some(([, s, r]) => r - s > 50), 'heavy tail: some delays are long');
  const jit = await stream({ ...calm({ oneWayDelayMinMs: 1, oneWayDelayMaxMs: 30, latencyExpMeanMs: 60 }), latency: 'jittery' }, 's1');
  const mean = jit.got.reduce((a, [, s, r]) => a + r - s, 0) / jit.got.length;
  t.ok(mean > 40, `jittery: the mean delay follows the exponential (${mean.toFixed(1)} ms)`);
});

t.test('outside the fault window, latency stays within the declared maxOneWayDelayMs; inside, it may exceed it', async (t) => {
  let beyondInside = 0;
  let checked = 0;
  for (let s = 0; s < 60; s++) {
    const w = drawWeather(`a${s}`, space({ assumptions: { maxOneWayDelayMs: 7, maxPauseMs: 40, maxDriftPpm: 300 }, faultWindowMs: [2_000, 4_000] }));
    const r = await stream(w, `a${s}`, { maxOneWayDelayMs: 7, maxPauseMs: 40, maxDriftPpm: 300 });
    for (const [, sent, recv] of r.got) {
      if (sent >= r.window) {
        checked++;
        if (recv - sent > 7) t.fail(`seed a${s}: a message sent at ${sent}ms took ${recv - sent}ms after the window (${describeWeather(w)})`);
      } else if (recv - sent > 7) beyondInside++;
    }
    for (const f of r.faults) {
      const pause = /^pause \S+ paused for (\d+)ms/.exec(f);
      if (pause !== null && Number(pause[1]) > 40) t.fail(`seed a${s}: ${f} beyond maxPauseMs=40`);
      const drift = /^clock-skew \S+ drifts ([+-]\d+)ppm/.exec(f);
      if (drift !== null && Math.abs(Number(drift[1])) > 300) t.fail(`seed a${s}: ${f} beyond maxDriftPpm=300`);
    }
  }
  t.ok(checked > 1_000, `${checked} messages after the window checked`);
  t.ok(beyondInside > 0, `inside the window, ${beyondInside} messages were slower than the assumption`);
});

t.test('a weather travels with its run: failure results, schedules and --weather reproduce it', async (t) => {
  const r = await explore({ target: 'raft', variant: 'no-signal-flag', seeds: '1..3' });
  const f = r.failures[0]!;
  t.ok(f.result.weather !== undefined, 'the failing run records its weather');
  t.equal(f.result.faultLog[0]!.fault, 'weather', 'the weather is the first fault-log entry');
  t.equal(f.result.faultLog[0]!.detail, describeWeather(f.result.weather!), 'with its one-line summary');
  const again = await replay({ target: 'raft', variant: 'no-signal-flag', seed: f.seed });
  t.equal(again.decisionHash, f.decisionHash, 'replay by seed draws the same weather');
  const resolved = await resolveExplore({ target: 'raft', variant: 'no-signal-flag' });
  const schedule = makeSchedule({ targetRef: 'raft', result: f.result, options: seedOptions(resolved, 'no-signal-flag', f.seed) });
  t.same(schedule.options.weather, f.result.weather, 'the schedule file holds the weather');
  const rep = await replaySchedule(schedule, resolved.target);
  t.ok(rep.hashMatches, 'the schedule replays to the same hash');
  const dir = mkdtempSync(join(tmpdir(), 'weather-'));
  const file = join(dir, 'failure.json');
  writeFileSync(file, JSON.stringify({ weather: f.result.weather }));
  const pinned = await explore({ target: 'raft', variant: 'no-signal-flag', seeds: [f.seed], weather: file, keepRuns: true, hashes: true });
  t.equal(pinned.hashes[0]!.hash, f.decisionHash, '--weather with the failure file reproduces the run');
  const other = await explore({ target: 'raft', variant: 'correct', seeds: '5..6', weather: file, keepRuns: true });
  t.ok(other.allRuns!.every((x) => JSON.stringify(x.weather) === JSON.stringify(f.result.weather)), '--weather pins every seed to it');
  const old = { ...schedule, options: { ...schedule.options } };
  delete (old.options as { weather?: unknown }).weather;
  old.options.faults = {};
  old.options.net = {};
  const fixed = await replaySchedule(old, resolved.target, { config: { mode: 'lenient' } });
  t.equal(fixed.result.weather, undefined, 'a schedule without weather replays under fixed weather');
});

t.test('the workload is drawn per seed, pinned by --workload, and checked', async (t) => {
  const r = await explore({ target: 'raft', variant: 'correct', seeds: '1..12', keepRuns: true });
  const seen = new Set(r.allRuns!.map((x) => JSON.stringify(x.workload)));
  t.ok(seen.size > 6, `12 seeds drew ${seen.size} workloads`);
  t.ok(r.allRuns!.some((x) => x.workload!['maxEntriesPerAppend'] === 1) || r.allRuns!.some((x) => x.workload!['proposeEveryMs'] === 10), 'boundary values are drawn');
  const p = await explore({ target: 'raft', variant: 'correct', seeds: '1..4', workload: { pipelined: 1 }, keepRuns: true });
  t.ok(p.allRuns!.every((x) => x.workload!['pipelined'] === 1), 'a pinned knob holds on every seed');
  await t.rejects(explore({ target: 'raft', variant: 'correct', seeds: '1', workload: { nope: 1 } }), /declares no such workload knob/);
  await t.rejects(explore({ target: 'raft', variant: 'correct', seeds: '1', workload: { pipelined: 7 } }), /must be in \[0, 1\]/);
  const fixed = await explore({ target: 'raft', variant: 'correct', seeds: '1..3', fixedWeather: true, keepRuns: true });
  t.ok(fixed.allRuns!.every((x) => x.weather === undefined && x.workload!['proposeEveryMs'] === 200), '--fixed-weather: no weather, the workload defaults');
});

t.test('the summary counts each weather feature drawn and how often it preceded a violation', async (t) => {
  const r = await explore({ target: 'raft', variant: ['correct', 'no-lease'], seeds: '1..20' });
  const c = r.weatherStats['correct']!;
  const latency = Object.entries(c).filter(([f]) => f.startsWith('latency:')).reduce((a, [, x]) => a + x.drawn, 0);
  t.equal(latency, 20, 'every run counts one latency profile');
  t.ok(Object.values(c).every((x) => x.failed === 0), 'correct: no feature preceded a failure');
  const failed = Object.entries(r.weatherStats['no-lease'] ?? {}).filter(([f]) => f.startsWith('latency:')).reduce((a, [, x]) => a + x.failed, 0);
  t.equal(failed, r.failuresByVariant['no-lease'], 'failed counts add up to the variant\'s failures');
});

t.test('each partition style and the crash knobs take effect', async (t) => {
  const five = makeRaftTarget({ nodes: 5 });
  const shapes: Record<string, RegExp> = {
    symmetric: /^symmetric \{/, 'one-way': /^one-way: /, isolated: /^n\d isolated/, minority: /^minority \{n\d(,n\d)?\} cut off/,
    leader: /^n\d isolated \((the leader|no leader known)\)/, ring: /^ring n\d-n\d-n\d-n\d-n\d/,
  };
  for (const [style, shape] of Object.entries(shapes)) {
    const r = await explore({ target: five, variant: 'correct', seeds: '1..2', fixedWeather: true, faults: { partition: 0.5 }, net: { partitionStyle: style }, keepRuns: true });
    const parts = r.allRuns!.flatMap((x) => x.faultLog.filter((f) => f.fault === 'partition').map((f) => f.detail));
    t.ok(parts.length > 0 && parts.every((d) => shape.test(d)), `${style}: ${parts.length} partitions, each ${shape} (${parts[0]})`);
  }
  const leader = await explore({ target: five, variant: 'correct', seeds: '1..2', fixedWeather: true, faults: { partition: 0.5 }, net: { partitionStyle: 'leader' }, keepRuns: true });
  t.ok(leader.allRuns!.some((x) => x.faultLog.some((f) => /the leader/.test(f.detail))), 'leader-targeted partitions find the leader');
  const synced = await explore({ target: 'raft', variant: 'correct', seeds: '1..3', fixedWeather: true, faults: { crash: 0.000001 }, net: { syncCrashRate: 0.05 }, keepRuns: true });
  const crashes = synced.allRuns!.flatMap((x) => x.faultLog.filter((f) => f.fault === 'crash'));
  t.ok(crashes.length > 0, `syncCrashRate: crashes right after syncs (${crashes.length})`);
  t.equal(synced.failures.length, 0, 'correct survives them');
  const aimed = await explore({ target: 'raft', variant: 'correct', seeds: '1..3', fixedWeather: true, faults: { crash: 0.2 }, net: { leaderBiasPct: 100 }, keepRuns: true });
  const led = aimed.allRuns!.flatMap((x) => x.faultLog.filter((f) => f.fault === 'crash'));
  t.ok(led.length > 0, `leaderBiasPct=100: crashes happen (${led.length})`);
});

t.test('--jobs does not change a network seed\'s weather or hash', async (t) => {
  const one = await explore({ target: 'raft', variant: ['correct', 'no-lease'], seeds: '1..8', hashes: true });
  const two = await explore({ target: 'raft', variant: ['correct', 'no-lease'], seeds: '1..8', jobs: 2, hashes: true });
  t.same(two.hashes, one.hashes, 'same hashes and outcomes at --jobs 1 and 2');
  t.same(two.weatherStats, one.weatherStats, 'same weather drawn');
});

t.test('a loop that waits out a deadline on a drifting clock ends (a sliver of a timeout never polls)', async (t) => {
  const target = {
    name: 'deadline-loop', description: 'recv until a deadline on the node clock', variants: ['correct'],
    setup(sim: import('../dist/harness/core/api.js').Sim) {
      sim.node('n1', async (ctx) => {
        for (let round = 0; round < 50; round++) {
          const deadline = ctx.now() + 7.3;
          while (ctx.now() < deadline) await ctx.recv({ timeoutMs: deadline - ctx.now() });
        }
      });
      sim.node('n2', async () => undefined);
    },
  };
  const r = await explore({ target, variant: 'correct', seeds: '1..40', fixedWeather: true, faults: { 'clock-skew': 1 }, net: { driftPpmMax: 2_000 }, maxSteps: 20_000 });
  t.same(r.violationsByKind, {}, 'no seed spins into the step budget');
});

t.test('a lenient replay\'s default draw is the benign end of every distribution', async (t) => {
  const probe: StreamProbe = { got: [] };
  const target = streamTarget(probe);
  const w: Weather = {
    latency: 'jittery', workload: {}, faultWindowMs: 6_000,
    faults: { drop: 0.3, duplicate: 0.5, reorder: 0.5, delay: 0.3, partition: 0.5, crash: 0.3, pause: 0.3, 'clock-skew': 1 },
    net: { oneWayDelayMinMs: 2, oneWayDelayMaxMs: 30, latencyExpMeanMs: 80, tailRate: 0.05, tailMsMax: 900, syncCrashRate: 0.1, leaderBiasPct: 50 },
  };
  const r = await resolveExplore({ target, variant: 'correct', weather: w });
  const res = await execute({ target, variant: 'correct', seed: 'benign', strategy: { name: 'random' }, options: seedOptions(r, 'correct', 'benign'), scheduler: replayStrategy([], { mode: 'lenient' }) });
  t.ok(probe.got.length > 300, `the stream ran (${probe.got.length} messages)`);
  t.ok(probe.got.every(([, s, rcv]) => rcv - s === 2), 'every delay is the shortest');
  t.same([...new Set(res.faultLog.map((f) => f.fault))].sort(), ['quiet', 'weather'], 'no fault fired');
});
