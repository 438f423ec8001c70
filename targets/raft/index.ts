/**
 * The bundled Raft target: the pure Raft core (./core) driven by a Swarmkit-style node (./node):
 * a run loop that persists, sends, applies and signals leadership; a manager that starts
 * leader-only work on those signals; a ticker, a receiver and a proposing client. See README.md
 * for each variant's bug, the schedule that exposes it and the detector that reports it.
 */
import type { Sim, Target, TargetDefaults } from '../../harness/core/api.js';
import type { Message } from './core/index.js';
import { raftNodeMain } from './node/main.js';
import { resolveFaults } from '../../harness/core/faults.js';
import { EXPECT, VARIANTS, behaviour } from './node/variants.js';
import { MAX_DRIFT_PPM, MAX_PAUSE_MS } from './node/timing.js';

export interface RaftTargetOptions {
  /** Cluster size: 3 by default, 5 for the larger runs. */
  nodes?: number;
}

/** Every fault at its default rate, as `--faults all` gives. */
const ALL: Readonly<Record<string, number>> = resolveFaults(['all']);

/**
 * Some bugs need a particular weather to show within a few hundred seeds (README.md tells each
 * story): a vote lost across a crash needs crashes during elections; Figure 8 needs a leader to
 * lose its quorum between replicating and committing; split votes forever need a network
 * without jitter. The campaign runs each variant under its own settings; flags override them.
 */
const VARIANT_DEFAULTS: Readonly<Record<string, TargetDefaults>> = {
  'no-signal-flag': { faults: [] },
  'signal-before-caught-up': { faults: [] },
  'subscribe-after-run': { faults: [] },
  'vote-not-persisted': { faults: { ...ALL, crash: 0.3, partition: 0.5, pause: 0 }, faultWindowMs: 9_000, livenessMs: 1_000 },
  'commit-old-term': { faults: { ...ALL, drop: 0.35, partition: 0.3, crash: 0, pause: 0 }, faultWindowMs: 9_000, livenessMs: 1_000 },
  'fixed-election-timeout': { faults: [], net: { oneWayDelayMinMs: 1, oneWayDelayMaxMs: 1 } },
};

export function makeRaftTarget(options: RaftTargetOptions = {}): Target {
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 9) throw new RangeError(`raft: nodes must be an integer in [1, 9], got ${size}`);
  const members = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  return {
    name: size === 3 ? 'raft' : `raft-${size}`,
    description: `Raft (etcd-style core) with Swarmkit's leadership signalling, ${size} nodes`,
    variants: VARIANTS,
    expect: EXPECT,
    assumptions: { maxDriftPpm: MAX_DRIFT_PPM, maxPauseMs: MAX_PAUSE_MS },
    defaults: { durationMs: 10_000, faults: ['all'] },
    variantDefaults: VARIANT_DEFAULTS,
    setup(sim: Sim, { variant }) {
      const b = behaviour(variant);
      for (const id of members) sim.node<Message>(id, (ctx) => raftNodeMain(ctx, b, members), { daemon: true });
    },
  };
}

const raft: Target = makeRaftTarget();
export default raft;
