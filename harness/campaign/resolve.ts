// A campaign's options, checked and resolved: every bad input is a UsageError before any run;
// per variant, the run options, weather space and (once fitted) strategy; the options of one seed.
import type { Target, TargetDefaults } from '../core/api.js';
import { DEFAULT_OPTIONS, type RunResult } from '../engine/execute.js';
import { FAULTS, resolveFaults } from '../faults/names.js';
import type { RunOptions } from '../engine/options.js';
import { canonicalSeed } from '../core/seed.js';
import { UsageError } from '../core/errors.js';
import { concreteStrategy, makeStrategy, resolveStrategySpec, type StrategySpec } from '../strategies/index.js';
import { AUTO, needsPilot } from './fit.js';
import { swarmFaults } from '../faults/swarm.js';
import { DEFAULT_NET_KNOBS, resolveKnobs, type NetKnobs } from '../faults/knobs.js';
import { DEFAULT_WEATHER_KINDS, drawWeather, weatherError, type Weather, type WeatherSpace } from '../faults/weather.js';
import { readWeather, withWeather } from '../faults/weather-file.js';
import { checkVariant, loadTarget } from '../target/load.js';
import { VIOLATION_KINDS } from '../core/violation.js';
import { commandOptions, type CommandOptions } from '../replay/command.js';
import type { Failure, SeedEntry } from './tally.js';
import { parseSeeds, type SeedSeq } from './seeds.js';
import type { GuideCorpus } from '../strategies/guided-corpus.js';

export interface ExploreOptions {
  /** A Target object, a bundled target name, or a path to a target file. */
  target: Target | string;
  /** For a Target object: the path of the file that exports it, so printed replay commands
   * can be run as printed. */
  targetRef?: string;
  /** One variant, several, or (default) all of the target's variants. */
  variant?: string | readonly string[];
  /** A list of seeds, a spec (`1..1000`, `a,b,c`, `42`, `random:N@S`), or a SeedSeq (a range, a
   * shard, a draw: read by position, never held whole). */
  seeds: readonly (string | number)[] | string | SeedSeq;
  /** Absent: a portfolio of random, pct and pctcp for a network target, `random` for a thread
   * target. PCT-family bounds left unset are fitted to the target by a pilot (campaign/fit.ts). */
  strategy?: string | StrategySpec;
  /** Fault names (or `all`), or name → rate. */
  faults?: readonly string[] | Readonly<Record<string, number>>;
  /** `name=p` overrides for named faults. */
  faultRates?: readonly string[];
  durationMs?: number;
  maxSteps?: number;
  ignore?: readonly string[];
  traceWindow?: number;
  /** Network targets: end of the fault window, ms (then a quiet period). */
  faultWindowMs?: number;
  /** Network targets: time after the quiet period starts within which a leader must commit. */
  livenessMs?: number;
  /** Network targets: how long a leadership event may wait unread. */
  eventLatencyMs?: number;
  /** Network fault knobs (harness/faults/knobs.ts). */
  net?: Readonly<Record<string, number | boolean | string>>;
  /** Each seed draws which of `faults` are on and at what rate, and nothing else (swarm
   * testing as before per-seed weather; implies fixedWeather). */
  swarm?: boolean;
  /** No per-seed weather: `faults` at their rates, `net` and the workload defaults as given.
   * By default each seed draws its weather: `faults` names the kinds it may draw (a rate map's
   * rates are then ignored: pin a rate with `faultRates`). */
  fixedWeather?: boolean;
  /** Every seed runs under this weather (a failure's, for a regression): a Weather, or the path
   * of a failure file, schedule file or weather JSON that holds one. */
  weather?: Weather | string;
  /** Pins workload knobs the target declares. */
  workload?: Readonly<Record<string, number>>;
  /** Run every seed twice; a different decision hash is a `nondeterminism` violation. */
  checkDeterminism?: boolean;
  /** Called after every run (progress lines, custom collection). */
  onResult?: (r: RunResult, index: number, total: number) => void;
  /** Keep every run's result in `runs` (memory grows with seeds: off by default). */
  keepRuns?: boolean;
  /** Checked between runs: true stops the campaign early (the CLI's Ctrl-C); the result
   * then covers the runs made so far and says so in `interrupted`. */
  shouldStop?: () => boolean;
  /** Worker threads; results, failing seeds and hashes are the same for any value. A target
   * given by name or path runs in worker threads at every value, watched (see stallMs); a
   * Target object cannot cross threads and runs inline, unwatched. */
  jobs?: number;
  /** Tasks one run may spawn; more is a `task-limit` violation. Default 100,000. */
  maxTasks?: number;
  /** Wall ms a step may run before its thread is suspected; stopped at 4× and reported as a
   * `stalled` violation of its seed. Default 1000. */
  stallMs?: number;
  /** Heap per worker thread, MB; a seed that exceeds it alone is an `out-of-memory` violation.
   * Default 1024. */
  maxHeapMb?: number;
  /** Run a target given by name or path inline, in this thread: no watchdog, no heap limit. */
  inline?: boolean;
  /** One-line notes while the campaign runs (a seed suspected of stalling). */
  onNote?: (line: string) => void;
  /** Keep every run's decision hash in `hashes` (about 170 bytes a seed: off by default). */
  hashes?: boolean;
  /** Failures listed in the result; past it `failuresTruncated` is set. Default 10,000. */
  maxFailures?: number;
  /** Failures per (variant, first kind) that keep their whole run and get a failure file. Default 50. */
  maxFailureFiles?: number;
  /** Seeds already run (read back from a journal by --resume): not run again, folded in order. */
  resumed?: ReadonlyMap<number, SeedEntry>;
  /** Called for each seed run now, in the campaign's order, with its entry (the journal line,
   * its failure file decided) and, for a failure, what the report lists. */
  onEntry?: (e: SeedEntry, res: RunResult, failure: Failure | null) => void;
  /** `--strategy guided`: the directory its corpus persists in between campaigns (campaign/guide-file.ts). */
  guideDir?: string;
  /** Where the report goes: a guided failure's replay command names its schedule file there. */
  reportDir?: string;
  /** Stop at the first failing seed, the lowest in the list whatever --jobs: the seeds before it
   * all run, none after it is reported. The result says so in `budget`. */
  untilFail?: boolean;
  /** A wall-time budget (`run --time`): polled as seeds are handed out; true starts no new seed,
   * and those already started finish. The result covers a prefix of the list, each seed's run
   * the same as in a run of the whole list, and says so in `budget`. */
  stopDrawing?: () => boolean;
}

export interface VariantOptions {
  /** The options before the seed's weather is applied. */
  options: RunOptions;
  commandOptions: CommandOptions;
  /** What each seed draws its weather from; null under fixed or pinned weather. */
  space: WeatherSpace | null;
  /** The weather every seed runs under (`--weather`). */
  pinned: Weather | null;
  /** The campaign's strategy with this variant's fitted bounds (a portfolio: per seed, its member). */
  strategy: Required<StrategySpec>;
}

export interface Resolved {
  target: Target;
  targetRef: string;
  variants: string[];
  strategy: Required<StrategySpec>;
  /** The first variant's options (all variants', unless the target sets per-variant defaults). */
  options: RunOptions;
  commandOptions: CommandOptions;
  per: Record<string, VariantOptions>;
  swarm: boolean;
  checkDeterminism: boolean;
  /** `--strategy guided`: the corpus this thread's seeds are mutated from and grow. */
  guide?: GuideCorpus;
}

/** Turns user-facing options into what execute() needs; every bad input is a UsageError. */
export async function resolveExplore(o: Omit<ExploreOptions, 'seeds'>): Promise<Resolved> {
  const loaded = typeof o.target === 'string' ? await loadTarget(o.target)
    : { target: o.target, ref: o.targetRef ?? `<path to the file exporting target ${o.target.name}>` };
  const target = loaded.target;
  const variants = o.variant === undefined ? [...target.variants]
    : (typeof o.variant === 'string' ? [o.variant] : [...o.variant]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  if (variants.length === 0) throw new UsageError('no variant to run');
  for (const v of variants) checkVariant(target, v);
  const spec = resolveSpec(o.strategy);
  const swarm = o.swarm === true;
  const userIgnore = userIgnoreOf(o);
  for (const k of userIgnore) {
    if (!VIOLATION_KINDS.includes(k)) throw new UsageError(`--ignore ${k}: not a violation kind (known: ${VIOLATION_KINDS.join(', ')})`);
  }
  if (swarm && o.weather !== undefined) throw new UsageError('--swarm and --weather do not mix: --weather pins one weather for every seed');
  if (o.fixedWeather === true && o.weather !== undefined) throw new UsageError('--fixed-weather and --weather do not mix');
  if (o.weather !== undefined) {
    // The weather holds every rate, knob, window and workload value: a flag beside it would be ignored.
    const beside = [['--faults', o.faults], ['--fault-rate', o.faultRates?.length ? o.faultRates : undefined], ['--net', o.net && Object.keys(o.net).length ? o.net : undefined],
      ['--workload', o.workload && Object.keys(o.workload).length ? o.workload : undefined], ['--fault-window', o.faultWindowMs]] as const;
    const given = beside.filter(([, v]) => v !== undefined).map(([n]) => n);
    if (given.length > 0) throw new UsageError(`--weather pins every fault rate, network knob and workload value: drop ${given.join(', ')}`);
  }
  const pinned = typeof o.weather === 'string' ? readWeather(o.weather) : o.weather ?? null;
  if (pinned !== null && typeof o.weather !== 'string') {
    const err = weatherError(pinned);
    if (err !== null) throw new UsageError(err);
  }
  if (pinned !== null) checkWorkload(target, pinned.workload, 'the weather\'s workload');
  const workloadPins = checkWorkload(target, o.workload ?? {});
  const mode: WeatherMode = pinned !== null ? 'pinned' : swarm || o.fixedWeather === true ? 'fixed' : 'drawn';
  const per: Record<string, VariantOptions> = {};
  for (const v of variants) {
    const { options, space } = variantOptions(o, target, v, mode, workloadPins);
    if (swarm && Object.keys(options.faults).length === 0) {
      throw new UsageError('--swarm draws from the faults you enable: add --faults (or --faults all)');
    }
    const c = commandOptions(options, userIgnore, swarm, o.checkDeterminism === true);
    if (mode === 'fixed' && !swarm) c.weather = 'fixed';
    if (pinned !== null) {
      c.weather = pinned;
      if (typeof o.weather === 'string') c.weatherFile = o.weather;
    }
    if (space !== null && Object.keys(space.pinnedRates).length > 0) c.pinnedRates = { ...space.pinnedRates };
    // A drawn window is the seed's, not an option: a worker or a replay command must draw it again.
    if (space !== null && typeof space.faultWindowMs !== 'number') delete c.faultWindowMs;
    if (Object.keys(workloadPins).length > 0) c.workload = { ...workloadPins };
    per[v] = { options, commandOptions: c, space, pinned, strategy: spec };
  }
  const first = per[variants[0]!]!;
  return {
    target,
    targetRef: loaded.ref,
    variants,
    strategy: spec,
    options: first.options,
    commandOptions: first.commandOptions,
    per,
    swarm,
    checkDeterminism: o.checkDeterminism === true,
  };
}

/** A spec whose bounds the pilot fits keeps the user's params as given (an unset k stays
 * unset); any other has its defaults spelled out. Bad names and params are UsageErrors. */
function resolveSpec(given: ExploreOptions['strategy']): Required<StrategySpec> {
  if (given === undefined || given === AUTO) return { name: AUTO, params: {} };
  const spec = typeof given === 'string' ? { name: given, params: {} } : { name: given.name, params: { ...(given.params ?? {}) } };
  if (!needsPilot(spec)) return resolveStrategySpec(spec);
  makeStrategy(spec);
  return spec;
}

/** Sets what a fit decided (in a worker: what the main thread's fit decided). */
export function applyFit(r: Resolved, fit: { campaign: Required<StrategySpec>; perVariant: Readonly<Record<string, Required<StrategySpec>>> }): void {
  r.strategy = fit.campaign;
  for (const v of r.variants) {
    const s = fit.perVariant[v];
    if (s === undefined) throw new Error(`no fitted strategy for variant ${v}`);
    optionsFor(r, v).strategy = s;
  }
}

/** The strategy that runs one seed: the variant's fitted one, or a portfolio's member for the seed. */
export function strategyFor(r: Resolved, variant: string, seed: string): Required<StrategySpec> {
  const s = optionsFor(r, variant).strategy;
  if (s.name === AUTO || needsPilot(s)) throw new Error(`strategy ${s.name} was not fitted (call fitExplore first)`);
  return concreteStrategy(s, seed);
}

/** Per variant, the fitted strategy (what summaries state and workers are handed). */
export function fittedStrategies(r: Resolved): Record<string, Required<StrategySpec>> {
  return Object.fromEntries(r.variants.map((v) => [v, optionsFor(r, v).strategy]));
}

type WeatherMode = 'drawn' | 'fixed' | 'pinned';

/** A user's flag wins over the variant's defaults, which win over the target's, then the harness's. */
function variantOptions(o: Omit<ExploreOptions, 'seeds'>, target: Target, variant: string, mode: WeatherMode, workload: Record<string, number>): { options: RunOptions; space: WeatherSpace | null } {
  const vd = target.variantDefaults?.[variant] ?? {};
  const td = target.defaults ?? {};
  const pick = <K extends keyof TargetDefaults>(k: K): TargetDefaults[K] => vd[k] ?? td[k];
  const given = o.faults ?? pick('faults');
  const faults = mode === 'drawn'
    ? Object.fromEntries(drawableKinds(given).map((k) => [k, FAULTS[k]!.rate]))
    : resolveFaultOption(given, o.faultRates);
  const options = runOptionsOf(o, target, pick, faults);
  if (Object.keys(workload).length > 0) options.workload = { ...workload };
  if (mode !== 'drawn') return { options, space: null };
  const pinnedRates = resolveFaults([], o.faultRates ?? [], Object.keys(faults));
  const space: WeatherSpace = {
    kinds: Object.keys(faults),
    pinnedRates,
    pinnedNet: options.net as Record<string, number | boolean | string>,
    pinnedWorkload: workload,
    workload: target.workload ?? {},
    faultWindowMs: faultWindowRange(o, pick, options),
    assumptions: target.assumptions ?? null,
    ...(target.host === true ? { host: true } : {}),
  };
  return { options, space };
}

/**
 * The fault window a seed draws: from half to all of the time the run leaves before its
 * liveness deadline (more fault time finds more; the quiet period still proves liveness). A
 * window the user or the target set is kept as it is.
 */
function faultWindowRange(o: Omit<ExploreOptions, 'seeds'>, pick: <K extends keyof TargetDefaults>(k: K) => TargetDefaults[K], options: RunOptions): number | [number, number] {
  const fixed = o.faultWindowMs ?? pick('faultWindowMs');
  if (fixed !== undefined) return fixed;
  const room = options.durationMs - (options.livenessMs ?? 0);
  const hi = Math.floor(room / 100) * 100;
  if (hi < 1_000) return options.faultWindowMs ?? DEFAULT_OPTIONS.faultWindowMs!;
  return [Math.max(1_000, Math.floor(hi / 200) * 100), hi];
}

/** The kinds a seed may draw: those named (expanding `all`), else every network kind. */
function drawableKinds(given: TargetDefaults['faults']): string[] {
  if (given === undefined) return [...DEFAULT_WEATHER_KINDS];
  if (!Array.isArray(given)) resolveFaults([], [], Object.keys(given));
  const names = Array.isArray(given) ? Object.keys(resolveFaults(given as readonly string[])) : Object.keys(given);
  return names.sort();
}

function checkWorkload(target: Target, pins: Readonly<Record<string, number>>, what = '--workload'): Record<string, number> {
  const decl = target.workload ?? {};
  for (const [k, v] of Object.entries(pins)) {
    const d = decl[k];
    if (d === undefined) {
      const known = Object.keys(decl);
      throw new UsageError(`${what} ${k}: ${target.name} declares no such workload knob (${known.length > 0 ? `known: ${known.join(', ')}` : 'it declares none'})`);
    }
    if (!(typeof v === 'number' && v >= d.min && v <= d.max)) throw new UsageError(`${what} ${k}=${v}: must be in [${d.min}, ${d.max}]`);
    if (d.integer !== false && !Number.isInteger(v)) throw new UsageError(`${what} ${k}=${v}: must be an integer`);
  }
  return { ...pins };
}

function runOptionsOf(o: Omit<ExploreOptions, 'seeds'>, target: Target, pick: <K extends keyof TargetDefaults>(k: K) => TargetDefaults[K], faults: Record<string, number>): RunOptions {
  return {
    ...DEFAULT_OPTIONS,
    durationMs: positive('duration', o.durationMs ?? pick('durationMs') ?? DEFAULT_OPTIONS.durationMs),
    maxSteps: positive('max-steps', o.maxSteps ?? pick('maxSteps') ?? DEFAULT_OPTIONS.maxSteps),
    faults,
    ignore: new Set([...(target.ignore ?? []), ...userIgnoreOf(o)]),
    traceWindow: o.traceWindow ?? DEFAULT_OPTIONS.traceWindow,
    faultWindowMs: nonNegative('fault-window', o.faultWindowMs ?? pick('faultWindowMs') ?? DEFAULT_OPTIONS.faultWindowMs!),
    livenessMs: nonNegative('liveness-ms', o.livenessMs ?? pick('livenessMs') ?? DEFAULT_OPTIONS.livenessMs!),
    eventLatencyMs: nonNegative('event-latency-ms', o.eventLatencyMs ?? pick('eventLatencyMs') ?? DEFAULT_OPTIONS.eventLatencyMs!),
    net: checkNet({ ...(pick('net') ?? {}), ...(o.net ?? {}) }),
    ...(o.maxTasks !== undefined ? { maxTasks: positiveInt('max-tasks', o.maxTasks) } : {}),
  };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, got ${v}`);
  return v;
}

function userIgnoreOf(o: Omit<ExploreOptions, 'seeds'>): string[] {
  return [...(o.ignore ?? [])].flatMap((k) => k.split(',')).map((k) => k.trim()).filter((k) => k.length > 0);
}

/** The options of one variant (they differ when the target sets per-variant defaults). */
export function optionsFor(r: Resolved, variant: string): VariantOptions {
  const v = r.per[variant];
  if (v === undefined) throw new Error(`variant ${variant} was not resolved`);
  return v;
}

function resolveFaultOption(f: TargetDefaults['faults'], rates: readonly string[] | undefined): Record<string, number> {
  if (f !== undefined && !Array.isArray(f)) {
    const out = { ...(f as Record<string, number>) };
    return { ...out, ...resolveFaults([], rates ?? [], Object.keys(out)) };
  }
  return resolveFaults((f as readonly string[] | undefined) ?? [], rates ?? []);
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`--${name} must be a number >= 0, got ${v}`);
  return v;
}

function checkNet(net: Readonly<Record<string, number | boolean | string>>): Record<string, number | boolean | string> {
  const known = Object.keys(DEFAULT_NET_KNOBS).concat(['pauseMsMax', 'driftPpmMax']);
  for (const [k, v] of Object.entries(net)) {
    if (!known.includes(k)) throw new UsageError(`unknown network knob '${k}' (known: ${known.join(', ')})`);
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) throw new UsageError(`network knob ${k} must be a number >= 0`);
  }
  try {
    resolveKnobs(net as Partial<NetKnobs>, null);
  } catch (e) {
    throw new UsageError(`--net: ${(e as Error).message}`);
  }
  return { ...net };
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`--${name} must be a positive number, got ${v}`);
  return v;
}

export function seedList(seeds: readonly (string | number)[]): string[];
export function seedList(seeds: ExploreOptions['seeds']): SeedSeq;
export function seedList(seeds: ExploreOptions['seeds']): SeedSeq {
  if (typeof seeds === 'string') return parseSeeds(seeds);
  if (Array.isArray(seeds)) {
    if (seeds.length === 0) throw new UsageError('seeds: give a non-empty list or a spec like 1..100');
    return seeds.map((s: string | number) => {
      try {
        return canonicalSeed(s);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
  }
  const seq = seeds as SeedSeq;
  if (seq === null || typeof seq !== 'object' || typeof seq.at !== 'function' || seq.length === 0) throw new UsageError('seeds: give a non-empty list or a spec like 1..100');
  return seq;
}

/** The options one seed runs with: its weather (or swarm faults) applied to the variant's. */
export function seedOptions(r: Resolved, variant: string, seed: string): RunOptions {
  const v = optionsFor(r, variant);
  if (r.swarm) return { ...v.options, faults: swarmFaults(seed, v.options.faults) };
  const w = v.pinned ?? (v.space !== null ? drawWeather(seed, v.space) : null);
  return w === null ? v.options : withWeather(v.options, w);
}

/** Run settings that change no decision: a stalled seed's diagnosis, the whole timeline. */
export interface SeedExtra {
  stopAtStep?: number;
  stalledMs?: number;
  traceAll?: boolean;
  /** The caller keeps only failing runs' decisions and trace (a campaign's worker): the
   * run's RunOptions.dropPassingDetail, unless the determinism check needs them. */
  dropPassingDetail?: boolean;
}
