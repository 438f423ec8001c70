import type { SchedulerFactory } from './scheduler.js';
import { randomStrategy } from './random.js';
import { runToBlockStrategy } from './run-to-block.js';
import { pctStrategy } from './pct.js';
import { withSuggestion } from '../core/suggest.js';

export type StrategyParams = Readonly<Record<string, string | number | boolean>>;

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
]);

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
  const probe = makeStrategy(spec)('0');
  return { name: spec.name, params: { ...(spec.params ?? {}), ...probe.params } };
}

/** Bad input from a user: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
