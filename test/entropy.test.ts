/**
 * One entropy source per run, a stream per subsystem (harness/core/entropy.ts): a new draw in one
 * subsystem shifts only that subsystem's later draws. Each test adds one draw on one stream where
 * the fault window closes (through the run itself, as a new nemesis feature would) and compares
 * the run with the same seed's run without it.
 */
import t from 'tap';
import { execute, type RunResult } from '../dist/harness/engine/execute.js';
import { resolveExplore, seedOptions } from '../dist/harness/campaign/resolve.js';
import { RecordingScheduler } from '../dist/harness/strategies/recording.js';
import { makeStrategy } from '../dist/harness/strategies/index.js';
import { Entropy, type DrawStream } from '../dist/harness/core/entropy.js';
import type { Weather } from '../dist/harness/faults/weather.js';
import { streamTarget, type StreamProbe } from './fixtures/net-stream.js';

/** A stormy network whose nemesis partitions, pauses and clogs until 3 s, then goes quiet. */
const STORM: Weather = {
  latency: 'jittery', workload: {}, faultWindowMs: 3_000,
  faults: { drop: 0.05, duplicate: 0.05, reorder: 0.05, delay: 0.05, partition: 0.3, pause: 0.2 },
  net: { oneWayDelayMinMs: 1, oneWayDelayMaxMs: 30, latencyExpMeanMs: 40, nemesisIntervalMs: 100, clogRate: 0.2 },
};

interface Ran {
  got: StreamProbe['got'];
  res: RunResult;
  /** Each stream's draws in order. */
  streams: Map<string, number[]>;
}

/** Runs the stream target under STORM; `extra` draws once more on that stream when the window closes. */
async function run(seed: string, extra: DrawStream | null): Promise<Ran> {
  const probe: StreamProbe = { got: [] };
  const target = streamTarget(probe);
  const options = seedOptions(await resolveExplore({ target, variant: 'correct', weather: STORM }), 'correct', seed);
  let rec: RecordingScheduler | null = null;
  const res = await execute({
    target, variant: 'correct', seed, strategy: { name: 'random' }, options,
    scheduler: (s, entropy) => (rec = new RecordingScheduler(makeStrategy({ name: 'random' })(s, entropy))),
    extend: (r) => {
      if (extra === null) return;
      const record = r.recordFault.bind(r);
      r.recordFault = (fault: string, detail: string): void => {
        record(fault, detail);
        if (fault === 'quiet') r.drawU32(extra);
      };
    },
  });
  const streams = new Map<string, number[]>();
  for (const d of rec!.log) if (d.kind === 'draw') streams.set(d.stream!, [...(streams.get(d.stream!) ?? []), d.value as number]);
  return { got: probe.got, res, streams };
}

/** The decision lists are equal but for one draw the second has in addition. */
function oneInserted(base: readonly (string | number)[], more: readonly (string | number)[]): boolean {
  if (more.length !== base.length + 1) return false;
  let i = 0;
  while (i < base.length && base[i] === more[i]) i++;
  return base.slice(i).every((d, j) => d === more[i + 1 + j]);
}

const SEEDS = ['e1', 'e2', 'e3'];

t.test('a new draw on the nemesis, message-fault or sync stream leaves every delivery and scheduler choice as it was', async (t) => {
  for (const seed of SEEDS) {
    const base = await run(seed, null);
    const after = base.got.filter(([, sent]) => sent >= 3_000).length;
    t.ok(after > 100 && base.res.faultLog.some((f) => f.fault === 'partition' || f.fault === 'pause'), `seed ${seed}: the nemesis acted, and ${after} messages were sent after the window`);
    for (const stream of ['nemesis', 'message', 'sync'] as const) {
      const more = await run(seed, stream);
      t.ok(oneInserted(base.res.decisions, more.res.decisions), `seed ${seed}, one more ${stream} draw: the same decisions (every step, delivery and latency) with that draw added`);
      t.same(more.got, base.got, `seed ${seed}, one more ${stream} draw: every message sent and received at the same instants`);
    }
  }
});

t.test('control: a new draw on the latency stream shifts the later latencies (the comparison can fail)', async (t) => {
  for (const seed of SEEDS) {
    const base = await run(seed, null);
    const more = await run(seed, 'latency');
    const late = (r: Ran): string => JSON.stringify(r.got.filter(([, sent]) => sent >= 3_000));
    t.not(late(more), late(base), `seed ${seed}: messages after the window arrive at other instants`);
    // Each stream still draws the same values in the same order; only who takes which moved.
    const lat = more.streams.get('latency')!;
    t.same(lat.slice(0, 50), base.streams.get('latency')!.slice(0, 50), `seed ${seed}: the latency stream's values themselves are unchanged`);
  }
});

t.test('the streams are independent of each other and stable for a seed', async (t) => {
  const a = new Entropy('7');
  const b = new Entropy('7');
  const names: DrawStream[] = ['user', 'latency', 'message', 'nemesis', 'sync'];
  const firsts = names.map((n) => a.u32(n));
  t.equal(new Set(firsts).size, names.length, 'each stream starts elsewhere');
  b.u32('nemesis');
  b.u32('nemesis');
  t.same(names.filter((n) => n !== 'nemesis').map((n) => b.u32(n)), firsts.filter((_, i) => names[i] !== 'nemesis'), 'drawing from one stream moves no other');
  t.equal(new Entropy('7').scheduler.u32(), new Entropy('7').scheduler.u32(), 'the scheduler stream depends on the seed alone');
  t.not(new Entropy('7').scheduler.u32(), new Entropy('8').scheduler.u32(), 'and differs between seeds');
});
