import { UsageError } from '../core/errors.js';
import type { ShrinkBudget } from './runner.js';

/**
 * `--shrink-budget`: `90s` (wall time, the default kind: about 60 s) or `2000runs` (candidate
 * runs: the same budget gives the same schedule on any machine, which tests and CI want).
 */
export function parseShrinkBudget(text: string | undefined): Pick<ShrinkBudget, 'maxRuns' | 'wallMs'> {
  if (text === undefined) return {};
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|runs)\s*$/.exec(text);
  const n = m === null ? NaN : Number(m[1]);
  if (m === null || !(n > 0) || (m[2] === 'runs' && !Number.isInteger(n))) {
    throw new UsageError(`--shrink-budget ${JSON.stringify(text)}: give seconds of wall time (60s) or a number of candidate runs (2000runs)`);
  }
  return m[2] === 's' ? { wallMs: n * 1000 } : { maxRuns: n };
}
