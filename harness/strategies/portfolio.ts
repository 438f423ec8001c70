import { fmix32, labelHash } from '../core/hash.js';
import type { StrategyParams } from './params.js';
import { pctStrategy, PCT_DEFAULTS } from './pct.js';
import { pctcpStrategy, PCTCP_DEFAULTS } from './pctcp.js';
import { randomStrategy } from './random.js';
import type { SchedulerFactory } from '../core/scheduler.js';

/**
 * A portfolio (Coyote runs one by default): each seed runs one of several strategies, so a
 * campaign covers the bugs each finds best without the user knowing which that is. The member
 * is a function of the seed's hash, never of its position, so `--jobs`, `--shard` and
 * `replay --seed N` all agree, and a failure's replay command names the member itself.
 *
 * Weights, in quarters: `pctcp` two (network bugs that need a reply to land late are the ones
 * the others miss), `random` one, `pct` one.
 */
export const PORTFOLIO: readonly { name: 'random' | 'pct' | 'pctcp'; weight: number }[] = [
  { name: 'random', weight: 1 },
  { name: 'pct', weight: 1 },
  { name: 'pctcp', weight: 2 },
];

const TOTAL = PORTFOLIO.reduce((s, m) => s + m.weight, 0);

/** Portfolio params name their member: `pctK`, `pctDepth`, `pctcpK`, `pctcpDepth`. */
export function portfolioParams(params: StrategyParams): Record<string, number> {
  const num = (k: string, d: number): number => (typeof params[k] === 'number' ? params[k] as number : typeof params[k] === 'string' ? Number(params[k]) : d);
  return {
    pctDepth: num('pctDepth', PCT_DEFAULTS.depth),
    pctK: num('pctK', PCT_DEFAULTS.k),
    pctcpDepth: num('pctcpDepth', PCTCP_DEFAULTS.depth),
    pctcpK: num('pctcpK', PCTCP_DEFAULTS.k),
  };
}

/** The member that runs `seed` (a canonical seed string), with its own parameters. */
export function portfolioMember(params: StrategyParams, seed: string): { name: string; params: Record<string, number> } {
  const p = portfolioParams(params);
  let at = fmix32(labelHash(`portfolio:${seed}`)) % TOTAL;
  for (const m of PORTFOLIO) {
    if (at < m.weight) {
      if (m.name === 'pct') return { name: 'pct', params: { depth: p['pctDepth']!, k: p['pctK']! } };
      if (m.name === 'pctcp') return { name: 'pctcp', params: { depth: p['pctcpDepth']!, k: p['pctcpK']! } };
      return { name: 'random', params: {} };
    }
    at -= m.weight;
  }
  throw new Error('portfolio weights do not cover the hash');
}

export function portfolioStrategy(params: StrategyParams): SchedulerFactory {
  const p = portfolioParams(params);
  const pct = pctStrategy({ depth: p['pctDepth']!, k: p['pctK']! });
  const pctcp = pctcpStrategy({ depth: p['pctcpDepth']!, k: p['pctcpK']! });
  return (seed, entropy) => {
    const m = portfolioMember(p, seed);
    const make = m.name === 'pct' ? pct : m.name === 'pctcp' ? pctcp : randomStrategy;
    const s = make(seed, entropy);
    // The run's params are the portfolio's own, so a recorded spec rebuilds the same portfolio.
    return Object.assign(s, { params: { ...p } });
  };
}
