import type { StrategySpec } from '../strategies/index.js';
import { PCT_DEFAULTS } from '../strategies/pct.js';
import { PCTCP_DEFAULTS } from '../strategies/pctcp.js';

/**
 * Fitting a strategy to the target before a campaign: PCT's change points are drawn in
 * [1, k], and one drawn past the run's end is wasted, so k near the real run length is what
 * makes its 1/(n·k^(d−1)) bound worth quoting (a fixed k = 200 needed 179 seeds where a fitted
 * 23 needed 14). The pilot is a fixed set of seeds run under `random` with the campaign's own
 * options, so every process that fits (each --jobs worker's parent, every shard, `replay
 * --seed N`) gets the same k; the fitted k is recorded in the strategy's params, so printed
 * replay commands carry it and need no pilot.
 */
export const PILOT_SEEDS: readonly string[] = ['1', '2', '3'];

/** Steps and messages k is capped at: past this the bound says nothing anyway, and a run that
 * long (a spinning pilot) must not set it. */
export const K_FIT_MAX = 10_000;

/** What one pilot run tells the fit. */
export interface PilotRun {
  variant: string;
  steps: number;
  /** Messages sent (0 for a thread target). */
  messages: number;
  network: boolean;
}

/** `auto` (no --strategy): a portfolio for network targets, `random` for thread targets. */
export const AUTO = 'auto';

/** True when the spec leaves something the pilot decides. */
export function needsPilot(spec: Required<StrategySpec>): boolean {
  const p = spec.params;
  switch (spec.name) {
    case AUTO: return true;
    case 'pct':
    case 'pctcp': return p['k'] === undefined;
    case 'portfolio': return p['pctK'] === undefined || p['pctcpK'] === undefined;
    default: return false;
  }
}

export interface Fitted {
  /** The campaign's strategy, `auto` resolved (params as the user gave them). */
  campaign: Required<StrategySpec>;
  /** Per variant: the campaign's strategy with every bound filled in. */
  perVariant: Record<string, Required<StrategySpec>>;
}

export function fitStrategies(spec: Required<StrategySpec>, variants: readonly string[], pilot: readonly PilotRun[]): Fitted {
  const network = pilot.some((r) => r.network);
  const campaign = spec.name === AUTO ? { name: network ? 'portfolio' : 'random', params: {} } : spec;
  const perVariant: Record<string, Required<StrategySpec>> = {};
  for (const v of variants) {
    const runs = pilot.filter((r) => r.variant === v);
    const steps = bound(runs.map((r) => r.steps));
    const messages = bound(runs.map((r) => r.messages));
    const p = campaign.params;
    switch (campaign.name) {
      case 'pct':
        perVariant[v] = { name: 'pct', params: { depth: PCT_DEFAULTS.depth, ...p, k: p['k'] ?? steps } };
        break;
      case 'pctcp':
        perVariant[v] = { name: 'pctcp', params: { depth: PCTCP_DEFAULTS.depth, ...p, k: p['k'] ?? messages } };
        break;
      case 'portfolio':
        perVariant[v] = {
          name: 'portfolio',
          params: { pctDepth: PCT_DEFAULTS.depth, pctcpDepth: PCTCP_DEFAULTS.depth, ...p, pctK: p['pctK'] ?? steps, pctcpK: p['pctcpK'] ?? messages },
        };
        break;
      default:
        perVariant[v] = campaign;
    }
  }
  return { campaign, perVariant };
}

/** The longest pilot run, within [1, K_FIT_MAX]. */
function bound(xs: readonly number[]): number {
  return Math.min(K_FIT_MAX, Math.max(1, ...xs));
}
