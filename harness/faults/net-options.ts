import type { NetKnobs } from './knobs.js';
import type { Weather } from './weather.js';

/** The options of a run that the network layer reads (engine/options.ts composes them with core's). */
export interface NetRunOptions {
  /** Network targets: faults fire only before this virtual time; after it comes the quiet
   * period (partitions healed, nodes resumed and restarted). Default 5000. */
  faultWindowMs?: number;
  /** Network targets: a leader must signal and apply an entry of its term within this many ms
   * of the start of the quiet period; 0 disables the check. Default 3000. */
  livenessMs?: number;
  /** Network targets: a leadership subscriber must take each event within this many virtual
   * ms while publisher and subscriber are alive. Default 500. */
  eventLatencyMs?: number;
  /** Network fault knobs (below); unset fields take their defaults. */
  net?: Partial<NetKnobs>;
  /** The seed's drawn weather, when it has one: `faults`, `net` and `workload` already hold
   * its values; this copy is what reports and schedule files record. */
  weather?: Weather;
  /** Fault name → probability in [0, 1] (core's, read here for the network's rates). */
  faults: Readonly<Record<string, number>>;
}
