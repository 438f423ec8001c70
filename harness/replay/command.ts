import { shellSeed } from '../core/seed.js';
import type { StrategySpec } from '../strategies/index.js';
import { DEFAULT_OPTIONS } from '../engine/execute.js';
import type { RunOptions } from '../engine/options.js';
import type { NetKnobs } from '../faults/knobs.js';
import { DEFAULT_WEATHER_KINDS, type Weather } from '../faults/weather.js';

/**
 * The run options that change what a run does, in the plain form reports and schedule files
 * keep and command lines spell out. Trace settings are not among them.
 */
export interface CommandOptions {
  durationMs: number;
  maxSteps: number;
  faults: Readonly<Record<string, number>>;
  ignore: readonly string[];
  faultWindowMs?: number;
  livenessMs?: number;
  eventLatencyMs?: number;
  net?: Readonly<Record<string, number | boolean | string>>;
  /** Faults were drawn per seed from `faults` (swarm testing). */
  swarm?: boolean;
  /** Absent: each seed draws its weather, `faults` naming the kinds it may draw. `fixed`: no
   * draws (`--fixed-weather`). An object: every run had this weather (a schedule's, or
   * `--weather`); `faults`, `net` and `workload` then hold its values. */
  weather?: 'fixed' | Weather;
  /** The file `--weather` named, for printed commands. */
  weatherFile?: string;
  /** Drawn weather: rates the user pinned with `--fault-rate`. */
  pinnedRates?: Readonly<Record<string, number>>;
  /** Workload knobs: pinned (campaign) or as run (schedule). */
  workload?: Readonly<Record<string, number>>;
  /** Each seed ran twice to compare (a nondeterminism failure shows only then). */
  checkDeterminism?: boolean;
  /** Tasks one run may spawn (`--max-tasks`); absent: the engine's default. */
  maxTasks?: number;
}

/** The plain form of RunOptions; `userIgnore` leaves out kinds the target itself ignores. */
export function commandOptions(o: RunOptions, userIgnore?: readonly string[], swarm = false, checkDeterminism = false): CommandOptions {
  const c: CommandOptions = {
    durationMs: o.durationMs,
    maxSteps: o.maxSteps,
    faults: { ...o.faults },
    ignore: [...(userIgnore ?? o.ignore)].sort(),
  };
  if (o.faultWindowMs !== undefined) c.faultWindowMs = o.faultWindowMs;
  if (o.livenessMs !== undefined) c.livenessMs = o.livenessMs;
  if (o.eventLatencyMs !== undefined) c.eventLatencyMs = o.eventLatencyMs;
  if (o.net !== undefined && Object.keys(o.net).length > 0) c.net = { ...(o.net as Record<string, number | boolean | string>) };
  if (o.weather !== undefined) c.weather = o.weather;
  if (o.workload !== undefined && Object.keys(o.workload).length > 0) c.workload = { ...o.workload };
  if (o.maxTasks !== undefined) c.maxTasks = o.maxTasks;
  if (swarm) c.swarm = true;
  if (checkDeterminism) c.checkDeterminism = true;
  return c;
}

/** Back from the plain form, over `base` (trace settings, defaults). */
export function toRunOptions(c: CommandOptions, base: RunOptions = DEFAULT_OPTIONS): RunOptions {
  return {
    ...base,
    durationMs: c.durationMs,
    maxSteps: c.maxSteps,
    faults: { ...c.faults },
    ignore: new Set(c.ignore),
    faultWindowMs: c.faultWindowMs ?? base.faultWindowMs,
    livenessMs: c.livenessMs ?? base.livenessMs,
    eventLatencyMs: c.eventLatencyMs ?? base.eventLatencyMs,
    net: { ...(c.net ?? {}) } as Partial<NetKnobs>,
    ...(typeof c.weather === 'object' ? { weather: c.weather } : {}),
    ...(c.workload !== undefined ? { workload: { ...c.workload } } : {}),
    ...(c.maxTasks !== undefined ? { maxTasks: c.maxTasks } : {}),
  };
}

/** The exact command that replays one seed: only non-default options are spelled out. */
export function replayCommand(targetRef: string, variant: string, seed: string, strategy: StrategySpec, o: CommandOptions): string {
  const parts = ['npx interleave replay', quote(targetRef), '--variant', quote(variant), '--seed', shellSeed(seed)];
  parts.push(...optionFlags(strategy, o));
  return parts.join(' ');
}

/** Command-line flags for a strategy and options; one place, so every printed command agrees. */
export function optionFlags(strategy: StrategySpec, o: CommandOptions): string[] {
  const parts: string[] = [];
  if (strategy.name !== 'random') parts.push('--strategy', strategy.name);
  for (const k of Object.keys(strategy.params ?? {}).sort()) parts.push(`--${k}`, quote(String(strategy.params![k])));
  if (o.durationMs !== DEFAULT_OPTIONS.durationMs) parts.push('--duration', String(o.durationMs));
  if (o.maxSteps !== DEFAULT_OPTIONS.maxSteps) parts.push('--max-steps', String(o.maxSteps));
  if (o.maxTasks !== undefined) parts.push('--max-tasks', String(o.maxTasks));
  const faults = Object.keys(o.faults).sort();
  const drawn = o.weather === undefined && o.swarm !== true;
  if (drawn) {
    // Each seed draws its weather again from the seed: only what the user narrowed or pinned is spelled out.
    if (faults.join(',') !== [...DEFAULT_WEATHER_KINDS].sort().join(',')) parts.push('--faults', faults.length > 0 ? faults.join(',') : 'none');
    for (const f of Object.keys(o.pinnedRates ?? {}).sort()) parts.push('--fault-rate', `${f}=${plain(o.pinnedRates![f]!)}`);
  } else if (typeof o.weather === 'object') {
    parts.push('--weather', quote(o.weatherFile ?? '<the failure file>'));
  } else if (faults.length > 0) {
    parts.push('--faults', faults.join(','));
    for (const f of faults) parts.push('--fault-rate', `${f}=${plain(o.faults[f]!)}`);
  }
  if (o.weather === 'fixed') parts.push('--fixed-weather');
  if (o.swarm) parts.push('--swarm');
  if (o.checkDeterminism) parts.push('--check-determinism');
  // Under drawn weather a window that is set was pinned (a drawn one is left out): always print it.
  if (o.faultWindowMs !== undefined && typeof o.weather !== 'object' && (drawn || o.faultWindowMs !== DEFAULT_OPTIONS.faultWindowMs)) parts.push('--fault-window', String(o.faultWindowMs));
  if (o.livenessMs !== undefined && o.livenessMs !== DEFAULT_OPTIONS.livenessMs) parts.push('--liveness-ms', String(o.livenessMs));
  if (o.eventLatencyMs !== undefined && o.eventLatencyMs !== DEFAULT_OPTIONS.eventLatencyMs) parts.push('--event-latency-ms', String(o.eventLatencyMs));
  if (typeof o.weather !== 'object') {
    for (const k of Object.keys(o.net ?? {}).sort()) parts.push('--net', `${k}=${o.net![k]}`);
    for (const k of Object.keys(o.workload ?? {}).sort()) parts.push('--workload', `${k}=${o.workload![k]}`);
  }
  for (const k of [...o.ignore].sort()) parts.push('--ignore', quote(k));
  return parts;
}

/** A rate as the --fault-rate parser reads it: plain decimals, never 1e-7. */
function plain(p: number): string {
  const s = String(p);
  return /e/i.test(s) ? p.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
