import { shellSeed } from '../core/seed.js';
import type { StrategySpec } from '../sched/index.js';
import { DEFAULT_OPTIONS } from '../core/execute.js';

export interface CommandOptions {
  durationMs: number;
  maxSteps: number;
  faults: Readonly<Record<string, number>>;
  ignore: readonly string[];
}

/** The exact command that replays one seed: only non-default options are spelled out. */
export function replayCommand(targetRef: string, variant: string, seed: string, strategy: StrategySpec, o: CommandOptions): string {
  const parts = ['npx interleave replay', quote(targetRef), '--variant', quote(variant), '--seed', shellSeed(seed)];
  parts.push(...optionFlags(strategy, o));
  return parts.join(' ');
}

export function optionFlags(strategy: StrategySpec, o: CommandOptions): string[] {
  const parts: string[] = [];
  if (strategy.name !== 'random') parts.push('--strategy', strategy.name);
  for (const [k, v] of Object.entries(strategy.params ?? {})) parts.push(`--${k}`, String(v));
  if (o.durationMs !== DEFAULT_OPTIONS.durationMs) parts.push('--duration', String(o.durationMs));
  if (o.maxSteps !== DEFAULT_OPTIONS.maxSteps) parts.push('--max-steps', String(o.maxSteps));
  const faults = Object.keys(o.faults).sort();
  if (faults.length > 0) {
    parts.push('--faults', faults.join(','));
    for (const f of faults) parts.push('--fault-rate', `${f}=${o.faults[f]}`);
  }
  for (const k of [...o.ignore].sort()) parts.push('--ignore', k);
  return parts;
}

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
