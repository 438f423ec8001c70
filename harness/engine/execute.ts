import type { Target } from '../core/api.js';
import { Run, type EndReason, type FaultEvent } from '../core/run.js';
import { Entropy } from '../core/entropy.js';
import type { RunOptions } from './options.js';
import { SimImpl } from './sim.js';
import { attachEndAnalysis, attachHistoryCheck } from './detectors.js';
import type { LogLine, TraceEvent } from '../core/trace.js';
import type { InvariantBlame } from '../core/invariant-blame.js';
import type { Violation } from '../core/violation.js';
import { makeStrategy, strategyOwnsDelays, type StrategySpec } from '../strategies/index.js';
import type { SchedulerFactory } from '../core/scheduler.js';
import { fixedWorkload, type Weather, type WeatherUse } from '../faults/weather.js';
import { networkOf } from '../net/network.js';
import { Coverage } from '../cover/abstract-state.js';
import { attachHost } from '../host/index.js';

export interface RunResult {
  target: string;
  variant: string;
  seed: string;
  strategy: Required<StrategySpec>;
  outcome: 'pass' | 'violation';
  end: EndReason;
  violations: Violation[];
  /** Violations of ignored kinds, counted. */
  ignored: Record<string, number>;
  steps: number;
  timeMs: number;
  decisionHash: string;
  tasks: number;
  faultLog: FaultEvent[];
  /** The fault rates this run used (per seed under --swarm). */
  faults: Record<string, number>;
  /** The seed's drawn weather, where it applied (a network, or a thread fault). */
  weather?: Weather;
  /** The writes that made the first invariant violation false (core/invariant-blame.ts). */
  invariantBlame?: InvariantBlame;
  /** What the target used of it (a leader to aim at, storage): the weather line leaves out the rest. */
  weatherUse?: WeatherUse;
  /** The workload the target ran with, when it declares one. */
  workload?: Record<string, number>;
  /** The run had a simulated network (the target made nodes). */
  network?: boolean;
  /** The target declared single processes (`sim.process`), no network. */
  process?: boolean;
  /** Messages its nodes sent (network runs). */
  messages?: number;
  /** The full decision list: labels for steps and choices, numbers for draws (empty for a
   * passing run under `dropPassingDetail`). */
  decisions: (string | number)[];
  /** The steps just before the end, violation or not (empty for a passing run under
   * `dropPassingDetail`). */
  traceWindow: TraceEvent[];
  /** The whole timeline, when asked for. */
  trace?: TraceEvent[];
  /** What the run's code logged (`sim.log`, `ctx.log`, hosted `console.*`), at its steps. */
  logs?: { lines: LogLine[]; dropped: number };
  /** The distinct abstract states the run reached (cover/abstract-state.ts), ascending. */
  cover?: number[];
  // A guided run's `guided` and `schedule` are declared by campaign/guided-run.ts, which sets them: the
  // engine knows nothing of the layers above it.
}

export interface ExecuteInput {
  target: Target;
  variant: string;
  seed: string;
  strategy: StrategySpec;
  options: RunOptions;
  /** Overrides the strategy's scheduler (replay of a decision list). */
  scheduler?: SchedulerFactory;
  /** Extensions (the network layer) that decorate the run before setup. */
  extend?: (run: Run, sim: SimImpl) => void;
}

/** Runs one seed of one variant to its end. */
export async function execute(input: ExecuteInput): Promise<RunResult> {
  const factory = input.scheduler ?? makeStrategy(input.strategy);
  // The run's one entropy source: the strategy takes its streams from it (core/entropy.ts).
  const scheduler = factory(input.seed, new Entropy(input.seed));
  const run = new Run(scheduler, input.options, new Coverage());
  run.ownsDelays = strategyOwnsDelays(input.strategy, input.seed);
  const sim = new SimImpl(run, input.options);
  sim.assumptions = input.target.assumptions ?? null;
  const sims: SimImpl[] = [sim];
  attachEndAnalysis(run, () => sims);
  attachHistoryCheck(run, input.target.history);
  input.extend?.(run, sim);
  const workload = Object.freeze({ ...fixedWorkload(input.target.workload ?? {}, {}), ...(input.options.workload ?? {}) });
  const hosted = input.target.host === true ? await attachHost(run, sim, input.target, input.options.weather?.loop) : null;
  let raw;
  try {
    raw = await run.start(() => input.target.setup(sim, { variant: input.variant, workload }));
  } finally {
    hosted?.release();
  }
  // A target whose hosted code cannot load (a module not found, an ES module) is bad input.
  if (hosted !== null && hosted.host.fatal !== null) throw hosted.host.fatal;
  // A report of the wrong shape (harness/check/raft-safety.ts) is bad input too, found mid-run.
  if (run.fatal !== null) throw run.fatal;
  const result: RunResult = {
    target: input.target.name,
    variant: input.variant,
    seed: input.seed,
    strategy: { name: input.strategy.name, params: { ...(input.strategy.params ?? {}) } },
    outcome: raw.violations.length > 0 ? 'violation' : 'pass',
    end: raw.end,
    violations: raw.violations,
    ignored: raw.ignored,
    steps: raw.steps,
    timeMs: raw.timeMs,
    decisionHash: raw.decisionHash,
    tasks: raw.tasks,
    faultLog: raw.faultLog,
    faults: { ...input.options.faults },
    decisions: raw.decisions,
    traceWindow: raw.detail ? raw.trace.tail() : [],
    cover: run.cover.states(),
  };
  const w = input.options.weather;
  // Weather is recorded where it applied: a thread-only run keeps only the thread fault.
  if (w !== undefined) {
    const n = networkOf(run);
    if (n !== undefined) {
      result.weather = n.appliedWeather ?? w;
      result.weatherUse = n.weatherUse();
    }
    else if (w.faults['spurious'] !== undefined) result.weather = { latency: w.latency, faults: { spurious: w.faults['spurious'] }, net: {}, workload: w.workload };
  }
  if (Object.keys(workload).length > 0) result.workload = { ...workload };
  const net = networkOf(run);
  if (net !== undefined && net.processes) result.process = true;
  else if (net !== undefined) {
    result.network = true;
    result.messages = net.stats.sent;
  }
  if (raw.trace.full !== null) result.trace = raw.trace.full;
  if (raw.invariantBlame !== null) result.invariantBlame = raw.invariantBlame;
  if (raw.trace.logs.length > 0) result.logs = { lines: raw.trace.logs, dropped: raw.trace.logsDropped };
  return result;
}

export const DEFAULT_OPTIONS: RunOptions = {
  durationMs: 60_000,
  maxSteps: 1_000_000,
  faults: {},
  ignore: new Set(),
  traceWindow: 40,
  traceAll: false,
  faultWindowMs: 5_000,
  livenessMs: 3_000,
  eventLatencyMs: 500,
  net: {},
};
