import { UsageError } from '../core/errors.js';

export type StrategyParams = Readonly<Record<string, string | number | boolean>>;

/** An integer knob of a strategy (a number, or decimal digits from a command line) in [1, max]. */
export function intParam(strategy: string, params: StrategyParams, name: string, fallback: number, max: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new UsageError(`${strategy}: ${name} must be an integer in [1, ${max}], got ${String(raw)}`);
  }
  return v;
}
