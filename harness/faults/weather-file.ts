import { readFileSync } from 'node:fs';
import type { NetRunOptions } from './net-options.js';
import { UsageError } from '../core/errors.js';
import { weatherError, type Weather } from './weather.js';

/**
 * `--weather <file>`: the weather of a failure file (`weather`), of a schedule file
 * (`options.weather`), or a bare weather object. Pinning it keeps a regression under the
 * weather that exposed it even after the weather distributions change.
 */
export function readWeather(path: string): Weather {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--weather ${path}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--weather ${path}: expected a JSON object (a failure file, a schedule file or a weather)`);
  const o = raw as Record<string, unknown>;
  const options = o['options'] as Record<string, unknown> | undefined;
  const w = o['weather'] ?? options?.['weather'] ?? ('latency' in o ? o : undefined);
  if (w === undefined) throw new UsageError(`--weather ${path}: no weather in it (expected a failure file, a schedule file with options.weather, or a weather object)`);
  const err = weatherError(w);
  if (err !== null) throw new UsageError(`--weather ${path}: ${err}`);
  return w as Weather;
}

/** A run's options under one weather: its rates, knobs and workload replace the variant's. */
export function withWeather<O extends NetRunOptions & { workload?: Readonly<Record<string, number>> }>(base: O, w: Weather): O {
  const o: O = { ...base, faults: { ...w.faults }, net: { ...w.net }, workload: { ...w.workload }, weather: w };
  if (w.faultWindowMs !== undefined) o.faultWindowMs = w.faultWindowMs;
  return o;
}
