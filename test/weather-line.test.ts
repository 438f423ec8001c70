// Messages that fit the target (issue 29, item 7): the weather line leaves out what the target
// never used (leader aiming without a leader, storage faults without storage), and a schedule's
// replay (a shrunk one) names the faults left, not the rates the original seed drew.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeRemaining, describeWeather, type Weather } from '../dist/harness/faults/weather.js';

const CLI = new URL('../dist/harness/cli/main.js', import.meta.url).pathname;
const LOGS = new URL('./fixtures/host-log.ts', import.meta.url).pathname;
const LEASE = new URL('./fixtures/host-lease.ts', import.meta.url).pathname;

const cli = (cwd: string, ...args: string[]): string => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd });
  return r.stdout + r.stderr;
};
const weatherLine = (out: string): string => /^weather: (.*)$/m.exec(out)?.[1] ?? '';

const W: Weather = {
  latency: 'lan', faults: { crash: 0.2, 'lose-unsynced': 0.1, partition: 0.05 },
  net: { oneWayDelayMinMs: 1, oneWayDelayMaxMs: 5, crashDownMsMax: 50, syncCrashRate: 0.005, leaderBiasPct: 50, partitionStyle: 'symmetric', nemesisIntervalMs: 100, partitionMsMax: 200 },
  workload: {}, faultWindowMs: 3000,
};

t.test('describeWeather leaves out what the target never used, and only that', (t) => {
  const all = describeWeather(W);
  t.match(all, /crash 20% down ≤50ms, 0\.5% of syncs/);
  t.match(all, /lose-unsynced 10%/);
  t.match(all, /nemesis aims at the leader 50%/);
  t.equal(describeWeather(W, { leader: true, storage: true }), all, 'a target that used both: the whole line');
  const bare = describeWeather(W, { leader: false, storage: false });
  t.equal(bare, 'lan 1–5ms, crash 20% down ≤50ms, partition 5% symmetric ≤300ms, faults until 3000ms');
  t.notMatch(describeWeather(W, { leader: false, storage: true }), /aims at the leader/);
  t.match(describeWeather(W, { leader: true, storage: false }), /aims at the leader 50%/);
  t.end();
});

t.test('describeRemaining names the faults a schedule still injects', (t) => {
  const log = [{ fault: 'weather' }, { fault: 'clock-skew' }, { fault: 'partition' }, { fault: 'clock-skew' }, { fault: 'heal' }];
  t.equal(describeRemaining(W, log), 'lan 1–5ms, faults left: clock-skew ×2, heal ×1, partition ×1');
  t.equal(describeRemaining(W, [{ fault: 'weather' }]), 'lan 1–5ms, no faults left');
  const thread: Weather = { latency: 'heavy-tail', faults: { spurious: 0.016 }, net: {}, workload: {} };
  t.equal(describeWeather(thread), 'threads, no network, spurious 1.6%', 'a thread run\'s weather names no latency (was `heavy-tail undefinedms`)');
  t.end();
});

t.test('replay\'s weather line fits the target: no leader, no storage', (t) => {
  const dir = t.testdir({});
  // host-log: one node, no leadership, no storage.
  const logs = weatherLine(cli(dir, 'replay', LOGS, '--variant', 'logs', '--seed', '1'));
  t.match(logs, /^heavy-tail /);
  t.notMatch(logs, /aims at the leader/);
  t.notMatch(logs, /lose-unsynced|of syncs/);
  // host-lease elects leaders (aiming applies) but keeps its store in memory (ctx.host.keep).
  const lease = weatherLine(cli(dir, 'replay', LEASE, '--variant', 'count-any-reply', '--seed', '1'));
  t.match(lease, /nemesis aims at the leader 50%/);
  t.notMatch(lease, /lose-unsynced|of syncs/);
  t.end();
});

t.test('a schedule\'s replay shows the faults it injects, not the drawn rates', (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'raft-1.json');
  const seed = cli(dir, 'replay', 'raft', '--variant', 'no-lease', '--seed', '1', '--save-schedule', file);
  t.match(weatherLine(seed), /duplicate \d+(\.\d+)?% /, 'the seed\'s replay: the drawn rates');
  const out = cli(dir, 'replay', '--schedule', file);
  const line = weatherLine(out);
  t.match(line, /^heavy-tail 1–5ms, 0\.8% up to 512ms, faults left: /);
  t.notMatch(line, /%.*%.*%/, 'no rates past the latency');
  const faults = /^faults: \d+ \((.*)\)$/m.exec(out)![1]!.split(', ').filter((k) => k !== 'weather' && k !== 'quiet');
  for (const k of faults) t.match(line, new RegExp(`${k} ×\\d+`), `${k} is named with its count`);
  t.end();
});
