import { DEFAULT_OPTIONS } from '../core/execute.js';
import { shellSeed } from '../core/seed.js';
import type { ScheduleFile } from '../schedule/file.js';

/**
 * The command that records a stale entry again from its seed: `shrink` for an expected
 * violation (it writes the shrunk schedule), `run --save-schedule` for an expected pass.
 * Only options that differ from the defaults are spelled out.
 */
export function rerecordCommand(s: ScheduleFile, path: string): string {
  const head = s.expect === 'pass' ? ['npx interleave run'] : ['npx interleave shrink'];
  const parts = [...head, quote(s.target), '--variant', quote(s.variant), '--seed', shellSeed(s.seed), ...scheduleFlags(s)];
  parts.push(s.expect === 'pass' ? '--save-schedule' : '--out', quote(path));
  return parts.join(' ');
}

export function scheduleFlags(s: ScheduleFile): string[] {
  const parts: string[] = [];
  if (s.strategy.name !== 'random') parts.push('--strategy', s.strategy.name);
  for (const k of Object.keys(s.strategy.params).sort()) parts.push(`--${k}`, quote(String(s.strategy.params[k])));
  if (s.options.durationMs !== DEFAULT_OPTIONS.durationMs) parts.push('--duration', String(s.options.durationMs));
  if (s.options.maxSteps !== DEFAULT_OPTIONS.maxSteps) parts.push('--max-steps', String(s.options.maxSteps));
  const faults = Object.keys(s.options.faults).sort();
  if (faults.length > 0) {
    parts.push('--faults', faults.join(','));
    for (const f of faults) parts.push('--fault-rate', `${f}=${s.options.faults[f]}`);
  }
  for (const k of s.options.ignore) parts.push('--ignore', quote(k));
  return parts;
}

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
