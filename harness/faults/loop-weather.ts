import type { Rng } from '../core/rng.js';

/**
 * How a host target's Node loop runs late: part of the per-seed weather (net/weather.ts), drawn
 * for `host: true` targets only, and read by each node's loop (harness/host/loop.ts).
 *
 * A real loop never wakes exactly when its earliest timer is due: `epoll_wait` takes a timeout
 * in whole ms and the process is scheduled back late (CPU contention, GC), so several timers
 * expire together when the timers phase reads the clock; and each callback costs CPU time, which
 * moves the clock that later timers are armed against. `none` is an idle machine (still never
 * on time: see IDLE_LAG_MS_MAX and IDLE_COST_MS_MEAN); `light` a
 * normal one (a wake up to `lagMsMax` late, callbacks of `costMsMean` on average); `heavy-tail`
 * adds GC-like stalls: a share `stallRate` of wakes and callbacks lasts up to `stallMsMax`.
 */
export type LoopProfile = 'none' | 'light' | 'heavy-tail';

export const LOOP_PROFILES: readonly LoopProfile[] = ['none', 'light', 'heavy-tail'];

export interface LoopWeather {
  profile: LoopProfile;
  /** A timer wake is U(0, lagMsMax) ms late. */
  lagMsMax: number;
  /** A callback costs Exp(costMsMean) ms of CPU (cut at 20× the mean). */
  costMsMean: number;
  /** This share of wakes and callbacks is a stall instead, U(0, stallMsMax) ms. */
  stallRate: number;
  stallMsMax: number;
}

export const CALM_LOOP: Readonly<LoopWeather> = { profile: 'none', lagMsMax: 0, costMsMean: 0, stallRate: 0, stallMsMax: 0 };

/**
 * What even an idle machine's loop does, whatever the weather says (floors under every profile).
 * A wake is never on the ms: libuv computes poll's timeout in whole ms from `loop->time`, the
 * floor of hrtime when the loop last updated it (`uv__update_time`, src/unix/core.c; the timeout
 * from `uv__next_timeout`, src/timer.c), while the process got there a fraction of a ms later,
 * and `epoll_wait` then sleeps whole ms from that fractional start, plus the kernel's timer slack
 * (50 µs by default). So a timer's callback starts U(0, 1) ms after its due ms. And a callback
 * is never free: microseconds of CPU at least. Without these floors every `performance.now()` (allowed: names host mode's virtual clock, reads none)
 * read whole ms, and differences of readings came out exactly equal to a TTL, which on a real
 * clock (hrtime, in ns) practically never happens: lru-cache 11.5.2 re-arms its purge timer for
 * a remaining TTL of exactly 0 and never purges (bench/README-fidelity.md).
 */
export const IDLE_LAG_MS_MAX = 1;
export const IDLE_COST_MS_MEAN = 0.01;

/** A seed's loop weather, from its own forked stream (no other weather draw moves). */
export function drawLoopWeather(rng: Rng): LoopWeather {
  const profile = LOOP_PROFILES[rng.int(LOOP_PROFILES.length)]!;
  if (profile === 'none') return { ...CALM_LOOP };
  const lagMsMax = round3(0.5 + 2.5 * (rng.u32() / 4294967296));
  const costMsMean = round3(0.01 + 0.3 * (rng.u32() / 4294967296));
  if (profile === 'light') return { profile, lagMsMax, costMsMean, stallRate: 0, stallMsMax: 0 };
  const stallRate = round3(0.002 + 0.03 * (rng.u32() / 4294967296));
  const stallMsMax = Math.round(5 + 95 * (rng.u32() / 4294967296));
  return { profile, lagMsMax, costMsMean, stallRate, stallMsMax };
}

/** One phrase for the weather line. */
export function describeLoop(w: LoopWeather): string {
  if (w.profile === 'none') return `loop idle: wakes <${IDLE_LAG_MS_MAX}ms after the due ms, callbacks ~${IDLE_COST_MS_MEAN}ms`;
  const stalls = w.stallRate > 0 ? `, stalls ${Math.round(w.stallRate * 1000) / 10}% ≤${w.stallMsMax}ms` : '';
  return `loop ${w.profile}: wakes ≤${w.lagMsMax}ms late, callbacks ~${w.costMsMean}ms${stalls}`;
}

/** Checks a loop weather read from a file: a message naming the bad field, or null. */
export function loopWeatherError(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'weather.loop must be an object { profile, lagMsMax, costMsMean, stallRate, stallMsMax }';
  const w = raw as Record<string, unknown>;
  if (!(LOOP_PROFILES as readonly unknown[]).includes(w['profile'])) return `weather.loop.profile must be one of ${LOOP_PROFILES.join(', ')}`;
  for (const k of ['lagMsMax', 'costMsMean', 'stallMsMax'] as const) {
    const v = w[k];
    if (!(typeof v === 'number' && v >= 0 && v <= 10_000)) return `weather.loop.${k} must be a number of ms in [0, 10000]`;
  }
  const r = w['stallRate'];
  if (!(typeof r === 'number' && r >= 0 && r <= 1)) return 'weather.loop.stallRate must be a rate in [0, 1]';
  return null;
}

/** A recorded u32 as a fraction in [0, 1); a lenient replay's default (all ones) is 0, the calm end. */
function fraction(u: number): number {
  return u === 0xffffffff ? 0 : u / 4294967296;
}

/** How late a timer wake is, in ms, from one recorded draw. */
export function lagMs(w: LoopWeather, u: number): number {
  const f = fraction(u);
  if (f < w.stallRate) return ns(w.stallMsMax * (f / w.stallRate));
  return ns(Math.max(w.lagMsMax, IDLE_LAG_MS_MAX) * ((f - w.stallRate) / (1 - w.stallRate)));
}

/** How long a callback runs, in ms, from one recorded draw. */
export function costMs(w: LoopWeather, u: number): number {
  const f = fraction(u);
  if (f < w.stallRate) return ns(w.stallMsMax * (f / w.stallRate));
  const g = (f - w.stallRate) / (1 - w.stallRate);
  const mean = Math.max(w.costMsMean, IDLE_COST_MS_MEAN);
  return ns(Math.min(20 * mean, -mean * Math.log(1 - g)));
}

/** Times in ns, as hrtime counts them: in µs, two readings' difference still came out exactly
 * equal to a whole TTL often enough to matter over thousands of seeds. */
export function ns(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
