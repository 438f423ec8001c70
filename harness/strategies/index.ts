import type { SchedulerFactory } from '../core/scheduler.js';
import { randomStrategy } from './random.js';
import { runToBlockStrategy } from './run-to-block.js';
import { pctStrategy } from './pct.js';
import { pctcpStrategy } from './pctcp.js';
import { portfolioMember, portfolioStrategy } from './portfolio.js';
import { guidedStrategy } from './guided.js';
import { withSuggestion } from '../core/suggest.js';
import type { StrategyParams } from './params.js';
import { UsageError } from '../core/errors.js';
import { Entropy } from '../core/entropy.js';

export type { StrategyParams };

/** A named strategy with its parameters: what a report records so a replay command is complete. */
export interface StrategySpec {
  name: string;
  params?: StrategyParams;
}

type Maker = (params: StrategyParams) => SchedulerFactory;

const registry = new Map<string, Maker>([
  ['random', () => randomStrategy],
  ['run-to-block', () => runToBlockStrategy],
  ['pct', (params) => pctStrategy(params)],
  ['pctcp', (params) => pctcpStrategy(params)],
  ['portfolio', (params) => portfolioStrategy(params)],
  ['guided', () => guidedStrategy],
]);

/**
 * The concrete strategy that runs `seed`: a portfolio's member, else the spec itself. Reports,
 * replay commands and schedule files name this one.
 */
export function concreteStrategy(spec: Required<StrategySpec>, seed: string): Required<StrategySpec> {
  return spec.name === 'portfolio' ? portfolioMember(spec.params, seed) : spec;
}

/**
 * Whether a run's message delays are the strategy's picks (recorded as plain delays) rather
 * than draws from the weather's distribution. Fixed by the strategy that recorded a run, so a
 * replay of its decisions reads them the same way.
 */
export function strategyOwnsDelays(spec: StrategySpec, seed: string): boolean {
  if (spec.name === 'portfolio') return portfolioMember(spec.params ?? {}, seed).name === 'pctcp';
  return spec.name === 'pctcp';
}

/** Strategies register here (one file each) so the CLI and the API list the same set. */
export function registerStrategy(name: string, make: Maker): void {
  registry.set(name, make);
}

export function strategyNames(): string[] {
  return [...registry.keys()];
}

export function makeStrategy(spec: StrategySpec): SchedulerFactory {
  const make = registry.get(spec.name);
  if (make === undefined) {
    throw new UsageError(`unknown strategy '${spec.name}'${withSuggestion(String(spec.name), strategyNames(), `known: ${strategyNames().join(', ')}`)}`);
  }
  return make(spec.params ?? {});
}

/**
 * The spec with every parameter the strategy would default spelled out (its scheduler's
 * `params`), so a recorded strategy replays the same even if a default changes later.
 */
export function resolveStrategySpec(spec: StrategySpec): Required<StrategySpec> {
  const probe = makeStrategy(spec)('0', new Entropy('0'));
  return { name: spec.name, params: { ...(spec.params ?? {}), ...probe.params } };
}
