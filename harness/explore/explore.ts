import type { Target, TargetDefaults } from '../core/api.js';
import { DEFAULT_OPTIONS, execute, type RunResult } from '../engine/execute.js';
import { FAULTS, resolveFaults } from '../core/faults.js';
import type { RunOptions } from '../engine/options.js';
import { canonicalSeed } from '../core/seed.js';
import { concreteStrategy, makeStrategy, resolveStrategySpec, UsageError, type StrategySpec } from '../sched/index.js';
import { AUTO, fitStrategies, needsPilot, PILOT_SEEDS, type PilotRun } from './fit.js';
import { swarmFaults } from '../sched/swarm.js';
import { checkDeterminism } from './determinism.js';
import { DEFAULT_NET_KNOBS, resolveKnobs, type NetKnobs } from '../net/options.js';
import { DEFAULT_WEATHER_KINDS, drawWeather, weatherError, type Weather, type WeatherSpace } from '../net/weather.js';
import { readWeather, withWeather } from './weather-file.js';
import { checkVariant, loadTarget } from '../target/load.js';
import { VIOLATION_KINDS } from '../core/violation.js';
import { commandOptions, replayCommand, type CommandOptions } from './command.js';
import { DEFAULT_MAX_FAILURE_FILES, DEFAULT_MAX_FAILURES, Tally, entryOf, type ExploreResult, type Failure, type SeedEntry } from './tally.js';
import { parseSeeds, SeedRange, type SeedSeq } from './seeds.js';
import { runSupervised } from './parallel.js';
import { Distinct } from './distinct.js';
import { StateSet } from '../cover/sketch.js';
import type { GuideCorpus } from '../guide/corpus.js';
import { finishGuide, guidedReplayCommand, learnArrival, startGuide } from '../guide/campaign.js';
import { runGuided } from '../guide/run.js';
import { catchRejections, runAlone, runGroup, type GroupItem } from './boundary.js';

export interface ExploreOptions {
  /** A Target object, a bundled target name, or a path to a target file. */
  target: Target | string;
  /** For a Target object: the path of the file that exports it, so printed replay commands
   * can be run as printed. */
  targetRef?: string;
  /** One variant, several, or (default) all of the target's variants. */
  variant?: string | readonly string[];
  /** A list of seeds, a spec (`1..1000`, `a,b,c`, `42`), or a SeedRange (made on demand: an open
   * range of millions of seeds for a budget to stop). */
  seeds: readonly (string | number)[] | string | SeedRange;
  /** Absent: a portfolio of random, pct and pctcp for a network target, `random` for a thread
   * target. PCT-family bounds left unset are fitted to the target by a pilot (explore/fit.ts). */
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
  /** Network fault knobs (harness/net/options.ts). */
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
  /** `--strategy guided`: the directory its corpus persists in between campaigns (guide/file.ts). */
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

export type { ExploreResult, Failure, SeedEntry, ViolationBrief } from './tally.js';
export { pctGuarantee } from './tally.js';

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

/**
 * Fits the campaign's strategy to the target (explore/fit.ts): `auto` becomes a portfolio or
 * `random`, and unset PCT bounds become each variant's pilot run length. The pilot runs where
 * the campaign does (watched worker threads for a target by name or path), so a target that
 * spins cannot hang it.
 */
export async function fitExplore(r: Resolved, o: Pick<ExploreOptions, 'target' | 'inline' | 'stallMs' | 'maxHeapMb'>): Promise<void> {
  if (!needsPilot(r.strategy)) {
    for (const v of r.variants) optionsFor(r, v).strategy = r.strategy;
    return;
  }
  const random = { name: 'random', params: {} };
  let runs: RunResult[];
  if (typeof o.target !== 'string' || o.inline === true) {
    runs = [];
    // As exploreInline does: a pilot seed's stray rejection is its own, never the process's.
    const stopCatching = catchRejections();
    try {
    for (const seed of PILOT_SEEDS) {
      for (const variant of r.variants) {
        const v = optionsFor(r, variant);
        const options: RunOptions = { ...v.options, faults: {} };
        delete options.weather;
        delete options.workload;
        runs.push(await runAlone({ ignore: v.options.ignore, run: () => execute({ target: r.target, variant, seed, strategy: random, options }) }));
      }
    }
    } finally {
      stopCatching();
    }
  } else {
    const perVariant = Object.fromEntries(r.variants.map((variant) => [variant, pilotOptions(optionsFor(r, variant))]));
    runs = (await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: r.variants, seeds: PILOT_SEEDS, strategy: random,
      exploreOptions: perVariant[r.variants[0]!]!, perVariant, jobs: 1,
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
    })).results;
  }
  const pilot: PilotRun[] = runs.map((x) => ({ variant: x.variant, steps: x.steps, messages: x.messages ?? 0, network: x.network === true }));
  applyFit(r, fitStrategies(r.strategy, r.variants, pilot));
}

/**
 * The pilot runs in a calm network with the target's default workload: k then depends on the
 * target, its variant and the run's length, not on --weather, --faults or --workload, so a
 * replay under a failure's pinned weather fits the k its campaign fitted.
 */
function pilotOptions(v: VariantOptions): CommandOptions & { traceWindow: number } {
  const c = v.commandOptions;
  return {
    durationMs: c.durationMs, maxSteps: c.maxSteps, faults: {}, ignore: c.ignore, weather: 'fixed', traceWindow: v.options.traceWindow,
    ...(v.options.net !== undefined && Object.keys(v.options.net).length > 0 ? { net: { ...(v.options.net as Record<string, number | boolean | string>) } } : {}),
    ...(c.livenessMs !== undefined ? { livenessMs: c.livenessMs } : {}),
    ...(c.eventLatencyMs !== undefined ? { eventLatencyMs: c.eventLatencyMs } : {}),
    ...(c.maxTasks !== undefined ? { maxTasks: c.maxTasks } : {}),
  };
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

export function seedList(seeds: readonly (string | number)[] | string): string[];
export function seedList(seeds: ExploreOptions['seeds']): SeedSeq;
export function seedList(seeds: ExploreOptions['seeds']): SeedSeq {
  if (seeds instanceof SeedRange) {
    if (seeds.length === 0) throw new UsageError('seeds: give a non-empty list or a spec like 1..100');
    return seeds;
  }
  if (typeof seeds === 'string') return parseSeeds(seeds);
  if (!Array.isArray(seeds) || seeds.length === 0) throw new UsageError('seeds: give a non-empty list or a spec like 1..100');
  return seeds.map((s) => {
    try {
      return canonicalSeed(s);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
}

/**
 * Runs every (variant, seed) pair and gathers what the CLI prints: violations by kind,
 * failures with their replay commands, the counts. The CLI is a thin layer over this.
 *
 * The order is seed-major: seed 1 of every variant, then seed 2 of every variant, … so an
 * interrupted campaign has covered each variant alike. onResult, onEntry, `failures` and
 * `hashes` follow it, at any --jobs.
 */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const r = await resolveExplore(o);
  const seeds = seedList(o.seeds);
  await fitExplore(r, o);
  const out = emptyResult(r);
  const tally = tallyFor(r, out, o);
  const keep = o.keepRuns === true;
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}`);
  const total = seeds.length * r.variants.length;
  const resumed = o.resumed ?? new Map<number, SeedEntry>();
  for (const i of resumed.keys()) if (!(Number.isSafeInteger(i) && i >= 0 && i < total)) throw new UsageError(`resumed seed index ${i} is outside this campaign (${total} runs)`);
  const broken = new BrokenSetup(r.variants, seeds.length, resumed);
  if (o.guideDir !== undefined && r.strategy.name !== 'guided') throw new UsageError('--guide-dir keeps the corpus of --strategy guided: add --strategy guided');
  const guide = r.strategy.name === 'guided'
    ? startGuide(r.target.name, Object.fromEntries(r.variants.map((v) => [v, optionsFor(r, v).commandOptions])), o.guideDir) : null;
  if (guide !== null) r.guide = guide.corpus;
  // Resumed entries are folded in the campaign's order, between the fresh results around them.
  let next = 0;
  const foldResumedBelow = (limit: number): void => {
    for (; next < limit; next++) {
      const e = resumed.get(next);
      if (e !== undefined) tally.add(e, undefined, false);
    }
  };
  const budgeted = o.untilFail === true || o.stopDrawing !== undefined;
  const failedAt = (i: number): boolean => resumed.get(i)?.k !== undefined;
  let end = total;
  let stoppedBy: 'failure' | 'time' | null = null;
  const fold = (res: RunResult, i: number): void => {
    foldResumedBelow(i);
    const e = entryOf(res, i);
    const f = tally.add(e, res, keep);
    next = i + 1;
    o.onEntry?.(e, res, f);
    o.onResult?.(res, i, total);
  };
  const stopped = (): void => {
    // Resumed entries past the stop still count: they ran, in an earlier process.
    for (const e of [...resumed.values()].filter((x) => x.i >= next).sort((a, b) => a.i - b.i)) tally.add(e, undefined, false);
  };
  if (typeof o.target !== 'string' || o.inline === true) {
    if (jobs > 1) throw new UsageError('--jobs needs a target given by name or path: a Target object cannot cross threads');
    const done = await exploreInline(o, r, seeds, broken, resumed, fold, failedAt);
    if (done.interrupted) out.interrupted = true;
    end = done.end;
    stoppedBy = done.stoppedBy;
  } else try {
    const perVariant = Object.fromEntries(r.variants.map((variant) => {
      const v = optionsFor(r, variant);
      return [variant, { ...v.commandOptions, traceWindow: v.options.traceWindow, checkDeterminism: r.checkDeterminism }];
    }));
    const done = await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: r.variants, seeds, strategy: r.strategy, strategies: fittedStrategies(r),
      exploreOptions: perVariant[r.variants[0]!]!, perVariant,
      jobs, keepAll: keep, collect: false,
      skip: new Set(resumed.keys()),
      onArrival: (res, i) => {
        broken.see(i, res);
        if (guide !== null) learnArrival(guide, res);
      },
      ...(guide !== null ? { guide: guide.loaded } : {}),
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
      ...(o.shouldStop !== undefined ? { shouldStop: o.shouldStop } : {}),
      ...(o.onNote !== undefined ? { onNote: o.onNote } : {}),
      ...(o.untilFail === true ? { untilFail: true, skipFailed: failedAt } : {}),
      ...(o.stopDrawing !== undefined ? { stopDrawing: o.stopDrawing } : {}),
      onResult: fold,
    });
    if (done.interrupted) out.interrupted = true;
    end = done.end;
    stoppedBy = done.stoppedBy ?? null;
  } catch (e) {
    // An internal error ends the pool: what ran so far goes with it, as an interrupted result,
    // for the report the command still writes (partialResultOf).
    if (e instanceof Error && !(e instanceof UsageError)) {
      out.interrupted = true;
      stopped();
      Object.defineProperty(e, PARTIAL, { value: out, enumerable: false });
    }
    throw e;
  }
  if (out.interrupted !== true && end < total) {
    // A budget ended the list at `end`: resumed entries past it are not part of this result.
    foldResumedBelow(end);
    delete out.interrupted;
  } else if (out.interrupted === true) {
    stopped();
  } else {
    foldResumedBelow(total);
    delete out.interrupted;
  }
  if (budgeted) {
    let reached = next;
    if (out.interrupted === true) for (const i of resumed.keys()) reached = Math.max(reached, i + 1);
    const covered = Math.floor((out.interrupted === true ? reached : end) / r.variants.length);
    out.budget = { seeds: covered, lastSeed: covered > 0 ? seeds.at(covered - 1)! : null, stoppedBy };
  }
  if (guide !== null) {
    const file = finishGuide(guide);
    out.guide = { entries: guide.corpus.size(), loaded: guide.loaded.length, statesSeen: guide.corpus.statesSeen(), file };
  }
  return out;
}

const PARTIAL = Symbol('partial result');

/** The runs made before an internal error ended explore() (an interrupted result), if any. */
export function partialResultOf(e: unknown): ExploreResult | undefined {
  return e instanceof Error ? (e as Error & { [PARTIAL]?: ExploreResult })[PARTIAL] : undefined;
}

/** The (variant, seed) at a position of the seed-major order. */
export function itemOf(variants: readonly string[], seeds: SeedSeq, i: number): { variant: string; seed: string } {
  return { variant: variants[i % variants.length]!, seed: seeds.at(Math.floor(i / variants.length))! };
}

/** A Target object (or `inline`): this thread runs every seed, and nothing watches it. `end`:
 * the positions covered, short of the total when a budget stopped it (as runSupervised's). */
async function exploreInline(o: ExploreOptions, r: Resolved, seeds: SeedSeq, broken: BrokenSetup, resumed: ReadonlyMap<number, SeedEntry>, fold: (res: RunResult, i: number) => void, failedAt: (i: number) => boolean): Promise<{ interrupted: boolean; end: number; stoppedBy: 'failure' | 'time' | null }> {
  const stopCatching = catchRejections();
  const item = (i: number): GroupItem => {
    const { variant, seed } = itemOf(r.variants, seeds, i);
    return { ignore: optionsFor(r, variant).options.ignore, run: () => namingSeed(runSeed(r, variant, seed), variant, seed) };
  };
  const n = r.variants.length;
  const seedEnd = (i: number): number => (Math.floor(i / n) + 1) * n;
  try {
    const total = seeds.length * n;
    let end = total;
    let stoppedBy: 'failure' | 'time' | null = null;
    if (o.untilFail === true) {
      for (const i of resumed.keys()) if (failedAt(i) && (seedEnd(i) < end || (seedEnd(i) === end && stoppedBy !== 'failure'))) [end, stoppedBy] = [seedEnd(i), 'failure'];
    }
    // Under a budget, groups end at a seed's end, so a stop never splits a seed's variants.
    const group = o.untilFail === true || o.stopDrawing !== undefined ? Math.max(1, Math.floor(INLINE_GROUP / n)) * n : INLINE_GROUP;
    for (let from = 0; from < end; from += group) {
      if (o.shouldStop?.() === true) return { interrupted: true, end, stoppedBy };
      if (stoppedBy === null && o.stopDrawing?.() === true) {
        let at = from;
        while (at < end && resumed.has(at)) at++;
        // The first seed always runs, as in runSupervised.
        at = at % n === 0 && at > 0 ? at : seedEnd(at);
        if (at < end) [end, stoppedBy] = [at, 'time'];
        if (from >= end) break;
      }
      const idx: number[] = [];
      for (let i = from; i < Math.min(end, from + group); i++) if (!resumed.has(i)) idx.push(i);
      const runs = await runGroup(idx.map(item));
      idx.forEach((i, k) => broken.see(i, runs[k]!));
      if (o.untilFail === true) {
        const k = runs.findIndex((x) => x.outcome === 'violation');
        if (k >= 0 && (seedEnd(idx[k]!) < end || (seedEnd(idx[k]!) === end && stoppedBy !== 'failure'))) [end, stoppedBy] = [seedEnd(idx[k]!), 'failure'];
      }
      idx.forEach((i, k) => {
        if (i < end) fold(runs[k]!, i);
      });
    }
    return { interrupted: false, end, stoppedBy };
  } finally {
    stopCatching();
  }
}

/** An internal error says which seed it was running (exit 3 names it). */
async function namingSeed<T>(p: Promise<T>, variant: string, seed: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof UsageError || !(e instanceof Error)) throw e;
    e.message = `while running ${variant} seed ${seed}: ${e.message}`;
    throw e;
  }
}

/** Seeds between two turns of the event loop inline: signals and progress get through that often. */
const INLINE_GROUP = 64;

/**
 * A setup that throws the same error on the first seed of every variant is a broken target,
 * not a finding: hundreds of identical `uncaught-error` reports would bury the one message
 * that matters. The campaign stops with that message, as bad input (exit 2).
 */
class BrokenSetup {
  /** The first seed of each variant: the first positions of the seed-major order. */
  readonly indices: number[];
  private readonly messages = new Map<number, string | null>();

  constructor(private readonly variants: readonly string[], n: number, resumed: ReadonlyMap<number, SeedEntry>) {
    // A resumed campaign got past its first seeds: its target loaded and ran.
    this.indices = n === 0 || resumed.size > 0 ? [] : variants.map((_v, k) => k);
  }

  see(i: number, res: RunResult): void {
    if (!this.indices.includes(i)) return;
    const v = res.violations[0];
    this.messages.set(i, v !== undefined && v.kind === 'uncaught-error' && v.actors[0] === 'setup' && v.message.startsWith('setup threw') ? v.message : null);
    if (this.messages.size < this.indices.length) return;
    const all = [...this.messages.values()];
    const first = all[0];
    if (typeof first !== 'string' || !all.every((m) => m === first)) return;
    const which = this.variants.length === 1 ? `variant ${this.variants[0]}` : `each of its ${this.variants.length} variants`;
    throw new UsageError(`target ${res.target} is broken, not buggy: on the first seed of ${which} its setup threw the same error, so nothing was explored: ${first.replace(/^setup threw: /, '')}`);
  }
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
  /** The caller keeps only failing runs' decisions and trace (a campaign's worker). */
  lean?: boolean;
}

/** One seed as a campaign runs it: its weather drawn first, and a second run to compare when asked. */
export function runSeed(r: Resolved, variant: string, seed: string, extra?: SeedExtra): Promise<RunResult> {
  if (r.guide !== undefined) return runGuided(r, r.guide, variant, seed, extra);
  return runWith(r, variant, seed, strategyFor(r, variant, seed), extra);
}

async function runWith(r: Resolved, variant: string, seed: string, strategy: Required<StrategySpec>, extra?: SeedExtra): Promise<RunResult> {
  let options = seedOptions(r, variant, seed);
  if (extra !== undefined) {
    options = { ...options, traceAll: options.traceAll || extra.traceAll === true };
    if (extra.stopAtStep !== undefined && extra.stopAtStep > 0) options = { ...options, stopAtStep: extra.stopAtStep, stalledMs: extra.stalledMs ?? 0 };
    // A second run for the determinism check may turn the first into a failure: keep its detail.
    if (extra.lean === true && !r.checkDeterminism) options = { ...options, dropPassingDetail: true };
  }
  const input = { target: r.target, variant, seed, strategy, options };
  const res = await execute(input);
  if (!r.checkDeterminism) return res;
  const again = await execute(input);
  if (again.decisionHash === res.decisionHash) return res;
  const report = await checkDeterminism(input);
  const message = report.deterministic
    ? `two runs of seed ${seed} gave decision hashes ${res.decisionHash} and ${again.decisionHash}`
    : `${report.message}: the target reads something outside the simulation (a real clock, an unseeded random source, module-level state)`;
  res.violations.unshift({
    kind: 'nondeterminism', step: report.deterministic ? 0 : report.step, timeMs: 0, actors: [], message,
    details: report.deterministic ? {} : { decision: report.decision, first: report.first, second: report.second },
  });
  res.outcome = 'violation';
  return res;
}

export function emptyResult(r: Resolved): ExploreResult {
  const zero = (): Record<string, number> => Object.fromEntries(r.variants.map((v) => [v, 0]));
  return {
    target: r.target.name,
    targetRef: r.targetRef,
    variants: r.variants,
    strategy: r.strategy,
    strategyByVariant: fittedStrategies(r),
    options: r.commandOptions,
    runs: 0,
    violationsByKind: {},
    violationsByVariant: {},
    virtualMs: 0,
    faultsByKind: {},
    distinct: new Distinct(),
    states: new StateSet(),
    passesByVariant: zero(),
    failuresByVariant: zero(),
    failures: [],
    firstFailure: null,
    hashes: [],
    steps: 0,
    maxTasks: 0,
    runsBeyondK: 0,
    runsBeyondKByVariant: zero(),
    weatherStats: {},
    maxFailureFiles: DEFAULT_MAX_FAILURE_FILES,
  };
}

/** The fold a campaign's results go through (live, or read back from a journal). */
export function tallyFor(r: Resolved, out: ExploreResult, o: Pick<ExploreOptions, 'hashes' | 'maxFailures' | 'maxFailureFiles' | 'reportDir'>): Tally {
  const limits = {
    hashes: o.hashes === true,
    maxFailures: o.maxFailures ?? DEFAULT_MAX_FAILURES,
    maxFailureFiles: o.maxFailureFiles ?? DEFAULT_MAX_FAILURE_FILES,
  };
  if (!(Number.isSafeInteger(limits.maxFailures) && limits.maxFailures >= 0)) throw new UsageError(`maxFailures must be an integer >= 0, got ${limits.maxFailures}`);
  if (!(Number.isSafeInteger(limits.maxFailureFiles) && limits.maxFailureFiles >= 0)) throw new UsageError(`--max-failure-files must be an integer >= 0, got ${limits.maxFailureFiles}`);
  return new Tally(out, limits, (variant, seed, file) => r.strategy.name === 'guided' ? guidedReplayCommand(o.reportDir, file)
    : replayCommand(r.targetRef, variant, seed, strategyFor(r, variant, seed), optionsFor(r, variant).commandOptions),
    (variant, seed) => strategyFor(r, variant, seed));
}

/** `pass` or `violation:<kind>` (the first violation's kind): how seeds/ entries state outcomes. */
export function outcomeOf(res: RunResult): string {
  return res.violations.length === 0 ? 'pass' : `violation:${res.violations[0]!.kind}`;
}

export interface ReplayOptions extends Omit<ExploreOptions, 'seeds' | 'variant' | 'onResult' | 'keepRuns'> {
  variant: string;
  seed: string | number;
  trace?: boolean;
}

/** Re-runs one seed exactly; with `trace`, keeps the whole timeline. A target by name or path
 * runs in a watched worker thread, so a seed that stalled in a campaign stalls here the same way. */
export async function replay(o: ReplayOptions): Promise<RunResult & { replayCommand: string }> {
  const r = await resolveExplore(o);
  const [seed] = seedList([o.seed]);
  const v = optionsFor(r, o.variant);
  if (r.strategy.name === 'guided') throw new UsageError(`a guided run is not reproducible from its seed: replay its schedule file (replay --schedule <report>/failures/…schedule.json)`);
  await fitExplore({ ...r, variants: [o.variant] }, o);
  const strategy = strategyFor(r, o.variant, seed!);
  const command = replayCommand(r.targetRef, o.variant, seed!, strategy, v.commandOptions);
  if (typeof o.target === 'string' && o.inline !== true) {
    const done = await runSupervised({
      targetRef: r.targetRef, targetName: r.target.name, host: r.target.host === true, variants: [o.variant], seeds: [seed!], strategy: strategy,
      strategies: { [o.variant]: strategy },
      exploreOptions: { ...v.commandOptions, traceWindow: v.options.traceWindow, checkDeterminism: r.checkDeterminism },
      jobs: 1, keepAll: true, traceAll: o.trace === true,
      ...(o.stallMs !== undefined ? { stallMs: o.stallMs } : {}),
      ...(o.maxHeapMb !== undefined ? { maxHeapMb: o.maxHeapMb } : {}),
      ...(o.onNote !== undefined ? { onNote: o.onNote } : {}),
    });
    return { ...done.results[0]!, replayCommand: command };
  }
  const stop = catchRejections();
  try {
    const res = await runAlone({ ignore: v.options.ignore, run: () => runSeed(r, o.variant, seed!, { traceAll: o.trace === true }) });
    return { ...res, replayCommand: command };
  } finally {
    stop();
  }
}
