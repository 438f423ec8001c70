/**
 * The peer for host mode's benchmark (issue 15): what a user writes by hand today to test
 * liferaft deterministically, with @sinonjs/fake-timers. The same 3-node cluster, the same
 * liferaft timing and the same request/reply transport as targets/liferaft/adapter.ts, with
 * faults drawn from a seeded PRNG per message (delay 1–10 ms, 5% dropped, 2% duplicated), run for
 * the same virtual time. Fresh library state per seed by evicting liferaft's module subtree from
 * require.cache, as such a host must.
 *
 * It checks nothing but counts leaders, so it is a floor for what a checked run costs.
 */
import { createRequire } from 'node:module';
import seedrandom from 'seedrandom';
import type { LiferaftClass, LiferaftNode, LiferaftPacket } from '../targets/liferaft/liferaft.js';
import { ELECTION_MAX_MS, ELECTION_MIN_MS, HEARTBEAT_MS, REQUEST_TIMEOUT_MS } from '../targets/liferaft/adapter.js';

const require = createRequire(import.meta.url);

interface FakeClock {
  tickAsync(ms: number): Promise<number>;
  uninstall(): void;
}

interface FakeTimers {
  install(o: { now: number; toFake: string[] }): FakeClock;
}

/** The files liferaft's require loads, found once: evicted before every seed. */
let subtree: string[] | null = null;

function freshLiferaft(): LiferaftClass {
  if (subtree === null) {
    const before = new Set(Object.keys(require.cache));
    require('@markwylde/liferaft');
    subtree = Object.keys(require.cache).filter((k) => !before.has(k));
  }
  for (const k of subtree) delete require.cache[k];
  return require('@markwylde/liferaft') as LiferaftClass;
}

export interface BaselineResult {
  leaders: number;
}

/** What a real transport does to a packet: serialize it (liferaft sometimes replies with a Promise,
 * which goes over the wire as `{}`). */
function wire(p: LiferaftPacket): LiferaftPacket {
  return JSON.parse(JSON.stringify(p)) as LiferaftPacket;
}

/** One seed: a fresh cluster under fake timers for `durationMs` virtual ms. */
export async function fakeTimersSeed(seed: string, nodes: number, durationMs: number): Promise<BaselineResult> {
  const rng = seedrandom.alea(seed);
  const timers = require('@sinonjs/fake-timers') as FakeTimers;
  const clock = timers.install({
    now: 1_700_000_000_000,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'],
  });
  const realRandom = Math.random;
  Math.random = rng; // the baseline's own seeded randomness, restored below
  const rafts: LiferaftNode[] = [];
  try {
    const Raft = freshLiferaft();
    let leaders = 0;
    const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
    for (const id of ids) {
      const r = new Raft({ address: id, 'election min': ELECTION_MIN_MS, 'election max': ELECTION_MAX_MS, heartbeat: HEARTBEAT_MS });
      r.on('leader', () => leaders++);
      r.on('error', () => {});
      rafts.push(r);
    }
    const deliver = (fn: () => void): void => {
      if (rng() < 0.05) return;
      const copies = rng() < 0.02 ? 2 : 1;
      for (let c = 0; c < copies; c++) setTimeout(fn, 1 + Math.floor(rng() * 10));
    };
    // As in the adapter: one error, made once (a fresh Error per unanswered heartbeat is costly).
    const timedOut = new Error('timed out');
    rafts.forEach((from, i) => {
      rafts.forEach((to, j) => {
        if (i === j) return;
        from.join(ids[j]!, (packet, reply) => {
          let done = false;
          const settle = (err?: Error, data?: LiferaftPacket): void => {
            if (done) return;
            done = true;
            reply(err, data);
          };
          setTimeout(() => settle(timedOut), REQUEST_TIMEOUT_MS);
          deliver(() => to.emit('data', wire(packet), (answer?: LiferaftPacket) => {
            deliver(() => settle(undefined, answer === undefined ? undefined : wire(answer)));
          }));
        });
      });
    });
    await clock.tickAsync(durationMs);
    return { leaders };
  } finally {
    for (const r of rafts) r.end();
    clock.uninstall();
    Math.random = realRandom;
  }
}
