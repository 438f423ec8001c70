import type { CoreOptions } from '../core/run.js';
import type { NetRunOptions } from '../faults/net-options.js';

/**
 * Everything one run takes: what the scheduler loop reads (core), what the network reads, and
 * the target's workload. Composed here, above both, so that core imports nothing above it.
 */
export interface RunOptions extends CoreOptions, NetRunOptions {
  /** The target's workload knobs for this run (SetupContext.workload). */
  workload?: Readonly<Record<string, number>>;
}
