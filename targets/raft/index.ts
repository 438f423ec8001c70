/**
 * The bundled Raft target: the pure Raft core (./core) driven by a Swarmkit-style node (./node):
 * a run loop that persists, sends, applies and signals leadership; a manager that starts
 * leader-only work on those signals; a ticker, a receiver and a proposing client. See README.md
 * for each variant's bug, the schedule that exposes it and the detector that reports it.
 */
import type { Sim, Target } from '../../harness/core/api.js';
import type { Message } from './core/index.js';
import { raftNodeMain } from './node/main.js';
import { EXPECT, VARIANTS, WORKLOAD, behaviour } from './node/variants.js';
import { MAX_DRIFT_PPM, MAX_ONE_WAY_DELAY_MS, MAX_PAUSE_MS } from './node/timing.js';

export interface RaftTargetOptions {
  /** Cluster size: 3 by default, 5 for the larger runs. */
  nodes?: number;
}

export function makeRaftTarget(options: RaftTargetOptions = {}): Target {
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 9) throw new RangeError(`raft: nodes must be an integer in [1, 9], got ${size}`);
  const members = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  return {
    name: size === 3 ? 'raft' : `raft-${size}`,
    description: `Raft (etcd-style core) with Swarmkit's leadership signalling, ${size} nodes`,
    variants: VARIANTS,
    expect: EXPECT,
    assumptions: { maxDriftPpm: MAX_DRIFT_PPM, maxPauseMs: MAX_PAUSE_MS, maxOneWayDelayMs: MAX_ONE_WAY_DELAY_MS },
    defaults: { durationMs: 10_000 },
    workload: WORKLOAD,
    setup(sim: Sim, { variant, workload }) {
      const b = behaviour(variant, workload);
      for (const id of members) sim.node<Message>(id, (ctx) => raftNodeMain(ctx, b, members), { daemon: true });
    },
  };
}

const raft: Target = makeRaftTarget();
export default raft;
