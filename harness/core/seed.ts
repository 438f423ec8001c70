import { UsageError } from './errors.js';

/**
 * Seeds: seedrandom gives different streams for 42 and '42', so every seed is turned into one
 * canonical string once, at the edge, and only that string ever reaches a PRNG or a printed command.
 */
export type Seed = number | string;

const DECIMAL = /^[0-9]+$/;

/**
 * Integers, and strings of digits (leading zeros too: the CLI cannot tell 042 from 42 apart for a
 * user), become their decimal form; other strings stay as given. Anything else is bad input: a
 * UsageError, which the CLI prints as one line.
 */
export function canonicalSeed(seed: Seed): string {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new UsageError(`seed must be a non-negative integer or a string, got ${seed}`);
    }
    return String(seed);
  }
  if (typeof seed !== 'string' || seed.length === 0) {
    throw new UsageError(`seed must be a non-negative integer or a non-empty string, got ${typeof seed === 'string' ? 'an empty string' : typeof seed}`);
  }
  const trimmed = seed.trim();
  if (DECIMAL.test(trimmed) && Number.isSafeInteger(Number(trimmed))) return String(Number(trimmed));
  return seed;
}

/** Quote a seed for a shell command line only when it needs it. */
export function shellSeed(seed: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(seed) ? seed : `'${seed.replace(/'/g, `'\\''`)}'`;
}
