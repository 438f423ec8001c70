import type { BugFlags } from '../core/index.js';
import type { WorkloadKnob } from '../../../harness/core/api.js';

/**
 * The Raft target's variants: `correct` and one planted bug each. The README says, for every
 * bug, the interleaving or fault sequence that exposes it and which detector reports it.
 */
export const VARIANTS = [
  'correct',
  'no-signal-flag',
  'signal-before-caught-up',
  'subscribe-after-run',
  'vote-not-persisted',
  'no-lease',
  'commit-old-term',
  'skip-prev-log-check',
  'fixed-election-timeout',
] as const;

export type Variant = (typeof VARIANTS)[number];

/** What each variant is expected to end with (`pass` or the violation kind that catches it). */
export const EXPECT: Readonly<Record<Variant, string>> = {
  correct: 'pass',
  'no-signal-flag': 'duplicate-leadership',
  'signal-before-caught-up': 'assert',
  'subscribe-after-run': 'lost-leadership-event',
  'vote-not-persisted': 'election-safety',
  'no-lease': 'leadership-overlap',
  'commit-old-term': 'leader-completeness',
  'skip-prev-log-check': 'log-matching',
  'fixed-election-timeout': 'liveness',
};

/** The switches one variant turns, read by the node's tasks. */
export interface Behaviour {
  readonly variant: Variant;
  /** Raft core bug flags. */
  readonly bugs: BugFlags;
  /** Publish IsLeader on every ready batch while leader (no signalledLeadership flag). */
  readonly signalEveryBatch: boolean;
  /** Publish IsLeader when the soft state says leader, before the log is applied. */
  readonly signalBeforeCaughtUp: boolean;
  /** The manager subscribes from its own task after WaitForLeader (Swarmkit #699). */
  readonly subscribeAfterRun: boolean;
  /** Persist the vote with the hard state (off: granted votes live in memory only). */
  readonly persistVote: boolean;
  /** Client proposal interval, in virtual ms. */
  readonly proposeEveryMs: number;
  /** The client proposes again without waiting for the previous proposal to be applied. */
  readonly pipelined: boolean;
  /** Entries per append message (etcd's MaxSizePerMsg, in entries). */
  readonly maxEntriesPerAppend: number;
}

export function isVariant(v: string): v is Variant {
  return (VARIANTS as readonly string[]).includes(v);
}

/**
 * The client workload, declared rather than chosen per variant: the harness draws it per seed
 * with the weather, so a bug that needs a busy client (Figure 8 needs old-term entries half
 * replicated at a leader change) is found without the target knowing which variant needs it.
 */
export const WORKLOAD: Readonly<Record<string, WorkloadKnob>> = {
  proposeEveryMs: { min: 10, max: 500, default: 200, log: true, intense: 'min', about: 'client proposal interval, virtual ms' },
  pipelined: { min: 0, max: 1, default: 0, intense: 'max', about: '1: propose again without waiting for the last proposal to apply' },
  maxEntriesPerAppend: { min: 1, max: 64, default: 64, log: true, intense: 'min', about: 'entries per append message (etcd MaxSizePerMsg)' },
};

export function behaviour(variant: string, workload: Readonly<Record<string, number>> = {}): Behaviour {
  if (!isVariant(variant)) throw new RangeError(`raft: unknown variant '${variant}' (known: ${VARIANTS.join(', ')})`);
  const knob = (k: string): number => workload[k] ?? WORKLOAD[k]!.default;
  return {
    variant,
    bugs: {
      commitOldTermByCount: variant === 'commit-old-term',
      skipPrevLogCheck: variant === 'skip-prev-log-check',
      fixedElectionTimeout: variant === 'fixed-election-timeout',
      noLease: variant === 'no-lease',
    },
    signalEveryBatch: variant === 'no-signal-flag',
    signalBeforeCaughtUp: variant === 'signal-before-caught-up',
    subscribeAfterRun: variant === 'subscribe-after-run',
    persistVote: variant !== 'vote-not-persisted',
    proposeEveryMs: knob('proposeEveryMs'),
    pipelined: knob('pipelined') === 1,
    maxEntriesPerAppend: knob('maxEntriesPerAppend'),
  };
}
