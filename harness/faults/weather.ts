import type { Assumptions, WorkloadKnob } from '../core/api.js';
import { Rng } from '../core/rng.js';
import { FAULTS } from './names.js';
import { DEFAULT_NET_KNOBS, PARTITION_STYLES, resolveKnobs, type NetKnobs, type PartitionStyle } from './knobs.js';
import { describeLoop, drawLoopWeather, loopWeatherError, type LoopWeather } from './loop-weather.js';
import { Entropy } from '../core/entropy.js';

/**
 * Per-seed weather (TigerBeetle's `options_swarm` and packet simulator, FoundationDB's BUGGIFY):
 * each seed draws its own environment — the latency distribution, which fault kinds are on and
 * how hard they hit, the partition style and lengths, crash and pause lengths and whom they
 * target, and the target's declared workload — so a campaign explores environments as well as
 * schedules. A user never knows in advance which weather exposes their bug.
 *
 * The draw comes from the seed's own `weather` and `workload` streams (core/entropy.ts), outside
 * the decision list, with a forked stream per feature: pinning one knob (`--net`, `--fault-rate`) never shifts another's draw.
 * The result is concrete (plain rates and knobs) and is written into failure files, schedule
 * files and the first fault-log entry, so a run replays from it without drawing again.
 */
export type LatencyProfile = 'fixed' | 'lockstep' | 'lan' | 'wan' | 'jittery' | 'heavy-tail';

export const LATENCY_PROFILES: readonly LatencyProfile[] = ['lockstep', 'lan', 'wan', 'jittery', 'heavy-tail'];

export interface Weather {
  /** The latency distribution's name, for summaries (`fixed`: the knobs as given). */
  latency: LatencyProfile;
  /** Fault kind → rate; a kind drawn off is absent. */
  faults: Record<string, number>;
  /** Every network knob that shapes the run, concrete. */
  net: Partial<NetKnobs>;
  /** The target's workload knobs, concrete. */
  workload: Record<string, number>;
  /** How long faults may fire, in ms (then the quiet period). Absent: the run's option. */
  faultWindowMs?: number;
  /** Host targets: how late each node's Node loop runs (faults/loop-weather.ts). Absent: on time. */
  loop?: LoopWeather;
  /** `process`: what applied to a target of `sim.process`es (processWeather): no network. */
  scope?: 'process';
}

/** Network knobs that still mean something for single processes: the nemesis's pace, pause and
 * crash lengths (everything else shapes links, which processes do not have). */
const PROCESS_KNOBS = ['nemesisIntervalMs', 'pauseMsMax', 'crashDownMsMax'] as const;

/**
 * What a drawn weather means for a target of single processes (`sim.process`): no latency, no
 * network fault, no drift, no leader to aim at; stop-the-world pauses as drawn, and crashes only
 * if a process declared what a restart means. The seed's draws are the same (the stream is the
 * weather's own), so one seed still names one weather.
 */
export function processWeather(w: Weather, restartable: boolean): Weather {
  const faults: Record<string, number> = {};
  if (w.faults['pause'] !== undefined) faults['pause'] = w.faults['pause'];
  if (restartable && w.faults['crash'] !== undefined) faults['crash'] = w.faults['crash'];
  const net: Partial<NetKnobs> = {};
  for (const k of PROCESS_KNOBS) if (w.net[k] !== undefined) (net as Record<string, unknown>)[k] = w.net[k];
  const out: Weather = { latency: 'fixed', faults, net, workload: { ...w.workload }, scope: 'process' };
  if (w.faultWindowMs !== undefined) out.faultWindowMs = w.faultWindowMs;
  // The loop's lag and stalls are the one weather a lone process has: its report line names them.
  if (w.loop !== undefined) out.loop = { ...w.loop };
  return out;
}

/** What a seed may draw from, and what the user pinned. */
export interface WeatherSpace {
  /** Fault kinds that may be drawn (each on or off per seed). */
  kinds: readonly string[];
  /** `--fault-rate name=p`: on, at exactly p. */
  pinnedRates: Readonly<Record<string, number>>;
  /** `--net name=value` and a target's `defaults.net`: exactly this. */
  pinnedNet: Readonly<Record<string, number | boolean | string>>;
  /** `--workload name=value`. */
  pinnedWorkload: Readonly<Record<string, number>>;
  /** The fault window's bounds [lo, hi] in ms, or a single pinned value (`--fault-window`). */
  faultWindowMs: number | readonly [number, number];
  workload: Readonly<Record<string, WorkloadKnob>>;
  assumptions: Assumptions | null;
  /** A host target: its nodes run Node's loop, whose lateness is drawn too. */
  host?: boolean;
}

/** Network kinds a network target draws from when the user names none (`spurious` is a thread fault). */
export const DEFAULT_WEATHER_KINDS: readonly string[] = Object.keys(FAULTS).filter((k) => k !== 'spurious');

/** The longest pause drawn for a target that declares no maxPauseMs, in ms. */
export const UNDECLARED_MAX_PAUSE_MS = 5_000;

/** The quiet period's latency bound for a target that declares no `maxOneWayDelayMs`: a LAN. */
export const QUIET_DELAY_MAX_MS = 5;

/** Fault rates when on, in [lo, hi]: wide, and reaching the aggressive values VOPR uses. */
const RATE_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  spurious: [0.01, 0.5],
  drop: [0.005, 0.3],
  duplicate: [0.005, 0.5],
  reorder: [0.01, 0.5],
  delay: [0.005, 0.3],
  partition: [0.02, 0.5],
  crash: [0.01, 0.3],
  pause: [0.01, 0.3],
  'lose-unsynced': [0.1, 1],
  'clock-skew': [1, 1],
};

export function drawWeather(seed: string, space: WeatherSpace): Weather {
  const entropy = new Entropy(seed);
  const root = entropy.weather;
  const faults: Record<string, number> = {};
  const on = onKinds(root.fork('kinds'), [...space.kinds].sort());
  for (const kind of [...space.kinds].sort()) {
    const rng = root.fork(`fault:${kind}`);
    const [lo, hi] = RATE_RANGES[kind] ?? [0.01, 0.3];
    // Half gentle (log-uniform: most draws near the low end), half storm (uniform over the range).
    const rate = round(rng.chance(0.5) ? logUniform(rng, lo, hi) : lo + (hi - lo) * (rng.u32() / 4294967296), 4);
    if (on.has(kind)) faults[kind] = rate;
  }
  for (const [kind, p] of Object.entries(space.pinnedRates)) {
    if (p > 0) faults[kind] = p;
    else delete faults[kind];
  }
  const latency = LATENCY_PROFILES[root.fork('latency').int(LATENCY_PROFILES.length)]!;
  // A pinned latency knob pins the latency: a drawn profile around it could contradict it.
  const fixedLatency = isPinnedLatency(space.pinnedNet);
  const net: Partial<NetKnobs> = { ...latencyKnobs(fixedLatency ? 'lan' : latency, root.fork(`latency:${latency}`)), ...shapeKnobs(root, space.assumptions) };
  const quiet = space.assumptions?.maxOneWayDelayMs;
  net.quietDelayMaxMs = quiet ?? QUIET_DELAY_MAX_MS;
  Object.assign(net, space.pinnedNet);
  const workload = drawWorkload(entropy.workload, space.workload, space.pinnedWorkload);
  const w: Weather = { latency: fixedLatency ? 'fixed' : latency, faults, net, workload };
  if (typeof space.faultWindowMs !== 'number') {
    const [lo, hi] = space.faultWindowMs;
    w.faultWindowMs = lo + 100 * root.fork('faultWindowMs').int(Math.floor((hi - lo) / 100) + 1);
  } else w.faultWindowMs = space.faultWindowMs;
  // Its own stream: drawing it for host targets moves no other target's weather.
  if (space.host === true) w.loop = drawLoopWeather(root.fork('loop'));
  return w;
}

/** The weather of `--fixed-weather` (and of schedules written before weather existed): no draws. */
export function fixedWorkload(decl: Readonly<Record<string, WorkloadKnob>>, pinned: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(decl).sort()) out[k] = pinned[k] ?? decl[k]!.default;
  return out;
}

function isPinnedLatency(pinned: Readonly<Record<string, unknown>>): boolean {
  return ['oneWayDelayMinMs', 'oneWayDelayMaxMs', 'latencyExpMeanMs', 'tailRate', 'tailMsMax'].some((k) => pinned[k] !== undefined);
}

/**
 * Latency distributions, chosen so that a delay is sometimes comparable to a protocol's
 * timeouts: lockstep (one constant delay: no latency reordering), LAN (today's 1–5 ms), WAN
 * (tens of ms), jittery (VOPR: max(U(1, 30), Exp(mean U(30, 100)))), and a LAN with a rare heavy
 * tail (FoundationDB: a small share of messages takes up to a second or two).
 */
function latencyKnobs(p: LatencyProfile, rng: Rng): Partial<NetKnobs> {
  const base = { latencyExpMeanMs: 0, tailRate: 0, tailMsMax: 0 };
  switch (p) {
    case 'lockstep': {
      const d = 1 + rng.int(10);
      return { ...base, oneWayDelayMinMs: d, oneWayDelayMaxMs: d };
    }
    case 'wan': {
      const lo = 5 + rng.int(20);
      return { ...base, oneWayDelayMinMs: lo, oneWayDelayMaxMs: lo + 10 + rng.int(90) };
    }
    case 'jittery':
      return { ...base, oneWayDelayMinMs: 1, oneWayDelayMaxMs: 30, latencyExpMeanMs: 30 + rng.int(71) };
    case 'heavy-tail':
      return { ...base, oneWayDelayMinMs: 1, oneWayDelayMaxMs: 5, tailRate: round(logUniform(rng, 0.002, 0.05), 4), tailMsMax: Math.round(logUniform(rng, 100, 2_000)) };
    default:
      return { ...base, oneWayDelayMinMs: DEFAULT_NET_KNOBS.oneWayDelayMinMs, oneWayDelayMaxMs: DEFAULT_NET_KNOBS.oneWayDelayMaxMs };
  }
}

/** How each fault hits: lengths, spacing, partition style and whom the nemesis aims at. */
function shapeKnobs(root: Rng, a: Assumptions | null): Partial<NetKnobs> {
  const r = (name: string): Rng => root.fork(name);
  // A target that declares no pause bound claims to survive any: seconds-long stop-the-world
  // pauses are real (Kleppmann's HBase GC pause), so they are drawn too.
  const maxPause = a?.maxPauseMs ?? UNDECLARED_MAX_PAUSE_MS;
  const maxDrift = a?.maxDriftPpm ?? 200;
  return {
    nemesisIntervalMs: Math.round(logUniform(r('nemesisIntervalMs'), 20, 500)),
    delayMsMax: Math.round(logUniform(r('delayMsMax'), 20, 2_000)),
    reorderMsMax: Math.round(logUniform(r('reorderMsMax'), 5, 500)),
    duplicateMsMax: Math.round(logUniform(r('duplicateMsMax'), 1, 1_000)),
    partitionMsMax: Math.round(logUniform(r('partitionMsMax'), 50, 5_000)),
    partitionStyle: PARTITION_STYLES[r('partitionStyle').int(PARTITION_STYLES.length)]!,
    crashDownMsMax: Math.round(logUniform(r('crashDownMsMax'), 5, 3_000)),
    // Never beyond what the target declares it survives: a pause or drift past it is not a bug.
    pauseMsMax: Math.max(1, Math.min(maxPause, Math.round(logUniform(r('pauseMsMax'), Math.min(5, maxPause), maxPause)))),
    driftPpmMax: Math.round(maxDrift * r('driftPpmMax').int(1_001) / 1_000),
    leaderBiasPct: [0, 0, 50, 100][r('leaderBiasPct').int(4)]!,
    syncCrashRate: r('syncCrashRate').chance(0.5) ? 0 : round(logUniform(r('syncCrashRate:rate'), 0.002, 0.1), 4),
    clogRate: r('clogRate').chance(0.5) ? 0 : round(logUniform(r('clogRate:rate'), 0.02, 0.5), 4),
    clogMsMean: Math.round(logUniform(r('clogMsMean'), 50, 5_000)),
  };
}

/**
 * A seed's workload. One intensity per seed, in [0, 1] (a quarter of seeds at each extreme),
 * moves every knob that declares which end is intense together, with a little jitter each: a
 * busy client, small batches and pipelining then come together, as they do in a real overload,
 * instead of one at a time. Knobs that declare no intense end are drawn on their own, from
 * their boundary values a quarter of the time each.
 */
function drawWorkload(rng: Rng, decl: Readonly<Record<string, WorkloadKnob>>, pinned: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  const level = rng.fork('intensity');
  const edge = level.int(4);
  const intensity = edge === 0 ? 0 : edge === 1 ? 1 : level.u32() / 4294967296;
  for (const k of Object.keys(decl).sort()) {
    const d = decl[k]!;
    const s = rng.fork(k);
    let at: number;
    if (d.intense !== undefined) {
      const jitter = (s.u32() / 4294967296 - 0.5) * 0.3;
      const p = Math.min(1, Math.max(0, intensity + (intensity === 0 || intensity === 1 ? 0 : jitter)));
      at = d.intense === 'max' ? p : 1 - p;
    } else {
      const e = s.int(4);
      at = e === 0 ? 0 : e === 1 ? 1 : s.u32() / 4294967296;
    }
    let v = d.log === true && d.min > 0 ? Math.exp(Math.log(d.min) + at * (Math.log(d.max) - Math.log(d.min))) : d.min + at * (d.max - d.min);
    v = d.integer === false ? round(v, 3) : Math.min(d.max, Math.max(d.min, Math.round(v)));
    out[k] = pinned[k] ?? v;
  }
  return out;
}

/**
 * Which kinds are on: first how many (uniform in 0..n), then which. Each kind is still on half
 * the time, but a seed with no fault at all, or a single one, is as likely as a seed with all
 * of them (independent coin flips would make both vanishingly rare: 1/512 for nine kinds), and
 * some bugs show only in a calm network (timers that never drift apart) or under one fault
 * that the others would drown out.
 */
function onKinds(rng: Rng, kinds: readonly string[]): Set<string> {
  const k = rng.int(kinds.length + 1);
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Set(order.slice(0, k));
}

function logUniform(rng: Rng, lo: number, hi: number): number {
  if (lo >= hi) return lo;
  const u = rng.u32() / 4294967296;
  return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Coarse features of a weather, for counting how often each preceded a violation. */
export function weatherFeatures(w: Weather): string[] {
  const out = w.scope === 'process' ? ['no-network'] : [`latency:${w.latency}`];
  for (const k of Object.keys(w.faults).sort()) out.push(`fault:${k}`);
  if (w.faults['partition'] !== undefined && typeof w.net.partitionStyle === 'string') out.push(`partition:${w.net.partitionStyle}`);
  if ((w.net.leaderBiasPct ?? 0) > 0 && (w.faults['crash'] !== undefined || w.faults['pause'] !== undefined)) out.push('nemesis:leader-targeted');
  if ((w.net.syncCrashRate ?? 0) > 0 && w.faults['crash'] !== undefined) out.push('crash:after-sync');
  if ((w.net.clogRate ?? 0) > 0 && w.faults['delay'] !== undefined) out.push('delay:clogs');
  if (w.loop !== undefined) out.push(`loop:${w.loop.profile}`);
  return out;
}

/**
 * What a run's target used of its weather: a run in which no node ever signalled leadership gave
 * the nemesis no leader to aim at, and one that never wrote its storage lost nothing unsynced.
 */
export interface WeatherUse {
  leader: boolean;
  storage: boolean;
}

/** Fault kinds that act on a node's storage only. */
const STORAGE_FAULTS: ReadonlySet<string> = new Set(['lose-unsynced']);

/** The network's latency, as the weather line opens. */
function latencyText(w: Weather): string {
  const n = w.net;
  // A thread run's weather (a spurious-wakeup rate) has no network to describe.
  if (w.scope !== 'process' && n.oneWayDelayMinMs === undefined) return 'threads, no network';
  const lat = n.oneWayDelayMinMs === n.oneWayDelayMaxMs ? `${n.oneWayDelayMinMs}ms`
    : `${n.oneWayDelayMinMs}–${n.oneWayDelayMaxMs}ms`;
  const extra = (n.latencyExpMeanMs ?? 0) > 0 ? ` or Exp(${n.latencyExpMeanMs}ms)` : (n.tailRate ?? 0) > 0 ? `, ${pct(n.tailRate!)} up to ${n.tailMsMax}ms` : '';
  return w.scope === 'process' ? 'one process, no network' : `${w.latency} ${lat}${extra}`;
}

/** The weather line's tail: the workload and the event loop's lateness. */
function workloadAndLoop(w: Weather): string[] {
  const out: string[] = [];
  const wl = Object.keys(w.workload).sort().map((k) => `${k}=${w.workload[k]}`);
  if (wl.length > 0) out.push(`workload ${wl.join(' ')}`);
  if (w.loop !== undefined) out.push(describeLoop(w.loop));
  return out;
}

/**
 * One line under a failure: what this seed's network was like. With `use`, what the run could
 * not feel is left out (leader aiming without a leader, storage faults without storage); the
 * weather itself, and so every draw, is unchanged.
 */
export function describeWeather(w: Weather, use?: WeatherUse): string {
  const n = w.net;
  const parts = [latencyText(w)];
  const f = w.faults;
  const fk = Object.keys(f).sort().filter((k) => use === undefined || use.storage || !STORAGE_FAULTS.has(k));
  if (fk.length === 0) parts.push('no faults');
  for (const k of fk) {
    let s = `${k} ${pct(f[k]!)}`;
    if (k === 'partition') s += ` ${n.partitionStyle} ≤${(n.nemesisIntervalMs ?? 0) + (n.partitionMsMax ?? 0)}ms`;
    if (k === 'crash') s += ` down ≤${n.crashDownMsMax}ms${(n.syncCrashRate ?? 0) > 0 && use?.storage !== false ? `, ${pct(n.syncCrashRate!)} of syncs` : ''}`;
    if (k === 'pause') s += ` ≤${n.pauseMsMax}ms`;
    if (k === 'delay') s += ` +≤${n.delayMsMax}ms${(n.clogRate ?? 0) > 0 ? `, clogs ${pct(n.clogRate!)}/tick ~${n.clogMsMean}ms` : ''}`;
    if (k === 'duplicate') s += ` +≤${n.duplicateMsMax}ms`;
    if (k === 'clock-skew') s = `clock-skew ≤${n.driftPpmMax}ppm`;
    parts.push(s);
  }
  if ((n.leaderBiasPct ?? 0) > 0 && (f['crash'] !== undefined || f['pause'] !== undefined) && use?.leader !== false) parts.push(`nemesis aims at the leader ${n.leaderBiasPct}%`);
  if (w.faultWindowMs !== undefined && fk.length > 0) parts.push(`faults until ${w.faultWindowMs}ms`);
  return [...parts, ...workloadAndLoop(w)].join(', ');
}

/**
 * The weather of a replayed schedule (a shrunk one above all): its decisions are fixed, so the
 * drawn rates no longer say anything; the faults it still injects do. `lan 1–5ms, faults left:
 * clock-skew ×3, partition ×1, workload …`.
 */
export function describeRemaining(w: Weather, faultLog: readonly { fault: string }[]): string {
  const count = new Map<string, number>();
  for (const e of faultLog) if (e.fault !== 'weather' && e.fault !== 'quiet') count.set(e.fault, (count.get(e.fault) ?? 0) + 1);
  const faults = [...count].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => `${k} ×${c}`);
  return [latencyText(w), faults.length > 0 ? `faults left: ${faults.join(', ')}` : 'no faults left', ...workloadAndLoop(w)].join(', ');
}

/** The weather line a run's reports print: what its target could use of the weather drawn. */
export function runWeatherText(r: { weather?: Weather; weatherUse?: WeatherUse }): string | undefined {
  return r.weather === undefined ? undefined : describeWeather(r.weather, r.weatherUse);
}

function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

/** Validates a weather read from a file; returns a message naming the bad field, or null. */
export function weatherError(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'weather must be an object { latency, faults, net, workload }';
  const w = raw as Record<string, unknown>;
  if (typeof w['latency'] !== 'string' || !['fixed', ...LATENCY_PROFILES].includes(w['latency'])) return `weather.latency must be one of fixed, ${LATENCY_PROFILES.join(', ')}`;
  for (const k of ['faults', 'net', 'workload']) {
    const v = w[k];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return `weather.${k} must be an object`;
  }
  for (const [k, p] of Object.entries(w['faults'] as Record<string, unknown>)) {
    if (FAULTS[k] === undefined) return `weather.faults.${k}: unknown fault`;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) return `weather.faults.${k} must be a rate in [0, 1]`;
  }
  for (const [k, v] of Object.entries(w['workload'] as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `weather.workload.${k} must be a number`;
  }
  if (w['loop'] !== undefined) {
    const err = loopWeatherError(w['loop']);
    if (err !== null) return err;
  }
  if (w['faultWindowMs'] !== undefined && !(typeof w['faultWindowMs'] === 'number' && w['faultWindowMs'] >= 0)) return 'weather.faultWindowMs must be a number >= 0';
  if (w['scope'] !== undefined && w['scope'] !== 'process') return "weather.scope must be 'process' when given";
  const net = w['net'] as Record<string, unknown>;
  for (const k of Object.keys(net)) {
    if (!(k in DEFAULT_NET_KNOBS) && k !== 'pauseMsMax' && k !== 'driftPpmMax') return `weather.net.${k}: unknown network knob`;
  }
  try {
    resolveKnobs(net as Partial<NetKnobs>, null);
  } catch (e) {
    return `weather.net: ${(e as Error).message}`;
  }
  return null;
}

export type { PartitionStyle };
