import type { Assumptions } from '../core/api.js';
import { withSuggestion } from '../core/suggest.js';
import { UsageError } from '../core/errors.js';

/**
 * The network's fault model, as one documented options object (TigerBeetle's packet_simulator
 * keeps the same shape). Rates live in `RunOptions.faults` (name → probability, see
 * harness/faults/names.ts for the defaults `--faults all` uses); these knobs shape each fault.
 *
 * What a target must survive, and why each fault is allowed:
 * - every message takes a one-way delay drawn from [oneWayDelayMinMs, oneWayDelayMaxMs], so
 *   even a fault-free run explores delivery orders;
 * - `drop`, `duplicate`, `reorder`, `delay` (per message): an asynchronous network promises
 *   none of order, uniqueness or timeliness;
 * - `partition`, `crash`, `pause` (per nemesis tick, every nemesisIntervalMs): links fail,
 *   machines reboot, processes stall in GC or a slow fsync;
 * - `lose-unsynced` (per crash): a write the node never synced may be gone after a reboot;
 * - `clock-skew` (per node, drawn once): crystal clocks drift.
 * All of it stops at `faultWindowMs`; the quiet period after it heals, resumes and restarts
 * everything so that liveness can be demanded.
 */
export interface NetKnobs {
  /** Smallest one-way delay of a message, in ms. */
  oneWayDelayMinMs: number;
  /** Largest one-way delay of a message without the `delay` fault, in ms. */
  oneWayDelayMaxMs: number;
  /** `delay`: extra latency drawn from [1, delayMsMax] ms. */
  delayMsMax: number;
  /** `reorder`: a held-back message goes out just after the next one on its link, or after
   * this many ms if none follows. */
  reorderMsMax: number;
  /** `duplicate`: the copy arrives [1, duplicateMsMax] ms after the original. */
  duplicateMsMax: number;
  /** How often the nemesis considers a partition, a crash or a pause, in ms. */
  nemesisIntervalMs: number;
  /** `partition`: lasts [nemesisIntervalMs, nemesisIntervalMs + partitionMsMax) ms. */
  partitionMsMax: number;
  /** `crash`: the node stays down [1, crashDownMsMax] ms before it restarts. */
  crashDownMsMax: number;
  /** `pause`: a node stalls [1, pauseMsMax] ms. Unset: the target's assumptions.maxPauseMs,
   * else 200. */
  pauseMsMax?: number;
  /** `clock-skew`: drift drawn from [-driftPpmMax, +driftPpmMax] ppm. Unset: the target's
   * assumptions.maxDriftPpm, else 200. */
  driftPpmMax?: number;
  /** Latency: with this mean > 0, a message's delay is max(U(min, max), Exp(mean)) ms
   * (TigerBeetle's packet simulator): most land fast, some land after a timeout fires. */
  latencyExpMeanMs: number;
  /** Latency: this share of messages (a probability) takes U(max, tailMsMax) ms instead. */
  tailRate: number;
  /** Latency: the heavy tail's longest delay, in ms. */
  tailMsMax: number;
  /** After the fault window, no message takes longer than this, in ms (0: no bound). The
   * target's assumptions.maxOneWayDelayMs, when declared, bounds it too. */
  quietDelayMaxMs: number;
  /** `partition`: its shape. `mixed` draws symmetric, one-way or isolated each time; the
   * others are one shape: a random bisection, one direction of one node, one node cut off, a
   * minority cut from the majority, the current leader cut off, or a ring in which each node
   * reaches only its two neighbours. */
  partitionStyle: PartitionStyle | 'mixed';
  /** `crash`/`pause`: the percentage of them aimed at the node that leads (signalled or
   * observed), when there is one. */
  leaderBiasPct: number;
  /** `delay`: the chance per nemesis tick that one direction of one link clogs (TigerBeetle's
   * packet simulator): its messages are held, not lost, until the clog clears, so a message
   * lands after the world moved on. */
  clogRate: number;
  /** `delay`: a clog lasts Exp(this mean) ms, at most ten times it. */
  clogMsMean: number;
  /** `crash`: the chance that a sync is followed, at the same instant, by a crash of the node
   * (a crash point at a durability boundary, where a forgotten write shows). */
  syncCrashRate: number;
  /** Deep-copy each message at send (see copy.ts), so a sender that mutates a message
   * after sending cannot change what is in flight. */
  copyMessages: boolean;
}

export const DEFAULT_NET_KNOBS: Readonly<NetKnobs> = {
  oneWayDelayMinMs: 1,
  oneWayDelayMaxMs: 5,
  delayMsMax: 200,
  reorderMsMax: 50,
  duplicateMsMax: 20,
  nemesisIntervalMs: 100,
  partitionMsMax: 1_000,
  crashDownMsMax: 1_000,
  latencyExpMeanMs: 0,
  tailRate: 0,
  tailMsMax: 0,
  quietDelayMaxMs: 0,
  partitionStyle: 'mixed',
  leaderBiasPct: 0,
  syncCrashRate: 0,
  clogRate: 0,
  clogMsMean: 0,
  copyMessages: true,
};

/** Every knob `--net name=value` (and a target's `defaults.net`) may set. */
export const NET_KNOB_NAMES: readonly string[] = [...Object.keys(DEFAULT_NET_KNOBS), 'pauseMsMax', 'driftPpmMax'];

/** Refuses a knob name that is not one, naming the nearest (`pauseMsMx` → `pauseMsMax`). */
export function checkNetKnobName(name: string): void {
  if (NET_KNOB_NAMES.includes(name)) return;
  throw new UsageError(`unknown network knob '${name}'${withSuggestion(name, NET_KNOB_NAMES, `known: ${NET_KNOB_NAMES.join(', ')}`)}`);
}

/** The knob names in `--net` values (`a=1,b=2`, repeatable): each must be a knob. A malformed
 * item is left to the value parser, which says what is wrong with it. */
export function checkNetFlag(items: readonly unknown[]): void {
  for (const it of items.flatMap((x) => String(x).split(','))) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*=/.exec(it);
    if (m) checkNetKnobName(m[1]!);
  }
}

export const PARTITION_STYLES = ['symmetric', 'one-way', 'isolated', 'minority', 'leader', 'ring'] as const;
export type PartitionStyle = (typeof PARTITION_STYLES)[number];

/** Run-level timing of the network phases, in virtual ms (RunOptions fields). */
export const DEFAULT_FAULT_WINDOW_MS = 5_000;
export const DEFAULT_LIVENESS_MS = 3_000;
export const DEFAULT_EVENT_LATENCY_MS = 500;

/** Knobs with every field decided, checked once per run. */
export interface ResolvedKnobs extends NetKnobs {
  pauseMsMax: number;
  driftPpmMax: number;
}

export function resolveKnobs(
  given: Partial<NetKnobs> | undefined,
  assumptions: Assumptions | null,
): ResolvedKnobs {
  const k = { ...DEFAULT_NET_KNOBS, ...(given ?? {}) };
  const r: ResolvedKnobs = {
    ...k,
    pauseMsMax: given?.pauseMsMax ?? assumptions?.maxPauseMs ?? 200,
    driftPpmMax: given?.driftPpmMax ?? assumptions?.maxDriftPpm ?? 200,
  };
  for (const [name, v] of Object.entries(r)) {
    if (typeof v === 'boolean') continue;
    if (name === 'partitionStyle') {
      if (!(PARTITION_STYLES as readonly unknown[]).concat('mixed').includes(v)) throw new RangeError(`network option partitionStyle must be one of mixed, ${PARTITION_STYLES.join(', ')}, got ${String(v)}`);
      continue;
    }
    if (name === 'tailRate' || name === 'syncCrashRate' || name === 'clogRate') {
      if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`network option ${name} must be a probability in [0, 1], got ${String(v)}`);
      continue;
    }
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`network option ${name} must be an integer >= 0, got ${String(v)}`);
    }
  }
  if (r.oneWayDelayMaxMs < r.oneWayDelayMinMs) {
    throw new RangeError(`oneWayDelayMaxMs (${r.oneWayDelayMaxMs}) < oneWayDelayMinMs (${r.oneWayDelayMinMs})`);
  }
  if (r.nemesisIntervalMs < 1) throw new RangeError('nemesisIntervalMs must be >= 1');
  return r;
}

/** The rates the network reads, each a probability in [0, 1]. */
export interface NetRates {
  drop: number;
  duplicate: number;
  reorder: number;
  delay: number;
  partition: number;
  crash: number;
  loseUnsynced: number;
  clockSkew: number;
  pause: number;
}

export function readRates(faults: Readonly<Record<string, number>>): NetRates {
  const rate = (name: string): number => {
    const p = faults[name] ?? 0;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`fault rate ${name}=${p} must be in [0, 1]`);
    return p;
  };
  return {
    drop: rate('drop'),
    duplicate: rate('duplicate'),
    reorder: rate('reorder'),
    delay: rate('delay'),
    partition: rate('partition'),
    crash: rate('crash'),
    loseUnsynced: rate('lose-unsynced'),
    clockSkew: rate('clock-skew'),
    pause: rate('pause'),
  };
}

export function anyRate(r: NetRates): boolean {
  return Object.values(r).some((p) => p > 0);
}
