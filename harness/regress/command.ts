import { optionFlags, quote } from '../replay/command.js';
import { shellSeed } from '../core/seed.js';
import type { ScheduleFile } from '../replay/schedule-file.js';

/**
 * The command that records a stale entry again from its seed: `shrink` for an expected
 * violation (it writes the shrunk schedule), `replay --save-schedule` for an expected pass.
 * Only options that differ from the defaults are spelled out.
 */
export function rerecordCommand(s: ScheduleFile, path: string): string {
  const head = s.expect === 'pass' ? ['npx interleave replay'] : ['npx interleave shrink'];
  const parts = [...head, quote(s.target), '--variant', quote(s.variant), '--seed', shellSeed(s.seed), ...scheduleFlags(s, path)];
  parts.push(s.expect === 'pass' ? '--save-schedule' : '--out', quote(path));
  return parts.join(' ');
}

/** Flags that run a schedule's seed again under the schedule's own weather (the file holds
 * it), or under fixed weather when it has none (written before weather, or thread-only). */
export function scheduleFlags(s: ScheduleFile, path: string): string[] {
  const weather = s.options.weather;
  if (weather !== undefined && weather !== 'fixed') return optionFlags(s.strategy, { ...s.options, weatherFile: path });
  return optionFlags(s.strategy, { ...s.options, weather: 'fixed' });
}

/** What records the corpus's entries of an older engine again: their schedules still reproduce,
 * so `--accept` rewrites them under this engine (and accepts any changed entry with them). */
export function acceptCommand(dir: string): string {
  return `npx interleave regress ${quote(dir)} --accept`;
}
