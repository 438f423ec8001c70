import { Entropy } from '../core/entropy.js';
import { UsageError } from '../core/errors.js';

/**
 * Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's `options_swarm`, FoundationDB's
 * BUGGIFY): instead of every run having every fault on at its full rate, each seed first draws
 * which fault kinds are on and how often they fire. Some runs then see a storm of one fault and
 * none of another, which finds bugs that a fault drowned out by the others would hide.
 *
 * Each enabled kind is on with probability 1/2; when on, its rate is the configured rate scaled
 * by one of RATE_SCALES. The draw comes from the seed's own `swarm` stream, so it never shifts
 * another subsystem's draws (core/entropy.ts), and the same seed draws the same set.
 * The explore layer calls `swarmFaults` before each run, runs with the drawn set as its faults and
 * records it, so the run's replay command names exactly the faults it had.
 */
const RATE_SCALES: readonly number[] = [1, 0.5, 0.25, 0.1];

/** Rate per fault kind actually used by one run: a subset of `enabled`, each rate ≤ the configured one. */
export type SwarmFaults = Record<string, number>;

export function swarmFaults(seed: string, enabled: Readonly<Record<string, number>> | readonly string[], defaultRate = 0.1): SwarmFaults {
  const rates = Array.isArray(enabled)
    ? Object.fromEntries((enabled as readonly string[]).map((k) => [k, defaultRate]))
    : (enabled as Readonly<Record<string, number>>);
  const root = new Entropy(seed).swarm;
  const out: SwarmFaults = {};
  for (const kind of Object.keys(rates).sort()) {
    // A stream per kind: enabling another kind never changes what this one draws.
    const rng = root.fork(kind);
    const rate = rates[kind]!;
    if (!(rate >= 0 && rate <= 1)) throw new UsageError(`swarm: rate for ${kind} must be in [0, 1], got ${rate}`);
    const on = rng.u32() < 0x80000000;
    const scale = RATE_SCALES[rng.int(RATE_SCALES.length)]!;
    if (on && rate > 0) out[kind] = rate * scale;
  }
  return out;
}
