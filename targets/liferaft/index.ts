/**
 * The bundled third-party target: @markwylde/liferaft 1.4.0, unmodified, run in host mode (its
 * timers, clock and randomness are the harness's). Each node is a fresh module instance of the
 * library per incarnation; ./adapter.ts connects it to the simulated network and the detectors.
 * README.md lists what the campaign found in the library and the planted adapter bugs.
 */
import type { Sim, Target } from '../../harness/core/api.js';
import { liferaftNodeMain, type Plan, type Wire } from './adapter.js';

export interface LiferaftTargetOptions {
  /** Cluster size: 3 by default, 5 for the larger runs. */
  nodes?: number;
}

const PLANS: Readonly<Record<string, Plan>> = {
  // The library as it is, without a log: leader election only.
  'as-is': { withLog: false, timedOutVoteCounts: false, replyTwice: false },
  // The library as it is, with its memdown log and a client proposing while it leads.
  'as-is-log': { withLog: true, timedOutVoteCounts: false, replyTwice: false },
  // Planted in the adapter: a vote request whose reply never came counts as a granted vote.
  'timed-out-vote-counts': { withLog: false, timedOutVoteCounts: true, replyTwice: false },
  // Planted in the adapter: every reply reaches liferaft twice, so a candidate counts one vote
  // twice. Shows only where one extra vote changes the quorum: 5 nodes (3 of 5) but not 3 (2 of 3).
  'reply-twice': { withLog: false, timedOutVoteCounts: false, replyTwice: true },
};

export function makeLiferaftTarget(options: LiferaftTargetOptions = {}): Target {
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 3 || size > 9) throw new RangeError(`liferaft: nodes must be an integer in [3, 9], got ${size}`);
  const members = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const variants = size >= 5 ? Object.keys(PLANS) : Object.keys(PLANS).filter((v) => v !== 'reply-twice');
  // liferaft never persists its term or vote: a node that crashes and restarts votes again in a
  // term it already voted in, so under `crash` the library itself elects two leaders per term.
  const expect: Record<string, string> = { 'as-is': 'duplicate-leadership', 'as-is-log': 'log-matching', 'timed-out-vote-counts': 'duplicate-leadership' };
  if (size >= 5) expect['reply-twice'] = 'duplicate-leadership';
  return {
    name: size === 3 ? 'liferaft' : `liferaft-${size}`,
    description: `@markwylde/liferaft 1.4.0, unmodified, in host mode, ${size} nodes`,
    host: true,
    variants,
    expect,
    // liferaft has no leader lease: an old leader keeps acting until it hears a higher term.
    // Without its log there are no entries, so nothing to commit: liveness applies to as-is-log.
    ignore: ['leadership-overlap'],
    defaults: { durationMs: 10_000 },
    variantDefaults: {
      'as-is': { livenessMs: 0 },
      'timed-out-vote-counts': { livenessMs: 0 },
      'reply-twice': { livenessMs: 0 },
    },
    setup(sim: Sim, { variant }) {
      const plan = PLANS[variant];
      if (plan === undefined) throw new RangeError(`liferaft: unknown variant ${variant}`);
      for (const id of members) sim.node<Wire>(id, (ctx) => liferaftNodeMain(ctx, plan), { daemon: true });
    },
  };
}

const liferaft: Target = makeLiferaftTarget();
export default liferaft;
