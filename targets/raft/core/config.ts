import { fail, invariant } from './assert.js';
import type { BugFlags, Config } from './types.js';

/** Config with defaults filled in and the derived switches the state machine actually tests. */
export interface Resolved {
  readonly id: string;
  /** Every member except `id`. */
  readonly others: readonly string[];
  readonly quorum: number;
  readonly electionMin: number;
  readonly electionMax: number;
  readonly heartbeatTicks: number;
  readonly randomInt: (n: number) => number;
  readonly preVote: boolean;
  /** Refuse higher-term (pre-)votes while a leader was heard recently (§9.6 / etcd checkQuorum). */
  readonly sticky: boolean;
  /** Leader steps down when fewer than a quorum acked a send within this many ticks; null = never. */
  readonly stepDownWindow: number | null;
  readonly maxEntriesPerAppend: number;
  readonly epoch: number;
  readonly bugs: Readonly<BugFlags>;
  /** A log-safety bug is on: broken log invariants are then expected and must not throw. */
  readonly safetyBugs: boolean;
}

export function resolveConfig(c: Config): Resolved {
  const members = new Set(c.peers);
  if (members.size !== c.peers.length) fail(`duplicate peer ids in ${c.peers.join(',')}`);
  if (!members.has(c.id)) fail(`peers must include self (${c.id})`);
  invariant(c.electionTimeoutMinTicks >= 2 && c.electionTimeoutMaxTicks > c.electionTimeoutMinTicks, 'election timeout range');
  invariant(c.heartbeatTicks >= 1 && c.heartbeatTicks < c.electionTimeoutMinTicks, 'heartbeat must beat the election timeout');
  const bugs = c.bugs ?? {};
  const lease = c.lease === true && bugs.noLease !== true;
  const leaseTicks = c.leaseTicks ?? Math.max(1, c.electionTimeoutMinTicks - 5);
  // The lease is only sound if it ends before any voter that acked it may vote again.
  if (lease && !(leaseTicks >= 1 && leaseTicks < c.electionTimeoutMinTicks)) fail(`leaseTicks ${leaseTicks} must be < electionTimeoutMinTicks`);
  const checkQuorum = c.checkQuorum === true;
  const maxEntries = c.maxEntriesPerAppend ?? 64;
  invariant(Number.isInteger(maxEntries) && maxEntries >= 1, 'maxEntriesPerAppend must be a positive integer');
  return {
    id: c.id,
    others: c.peers.filter((p) => p !== c.id),
    quorum: Math.floor(c.peers.length / 2) + 1,
    electionMin: c.electionTimeoutMinTicks,
    electionMax: c.electionTimeoutMaxTicks,
    heartbeatTicks: c.heartbeatTicks,
    randomInt: c.randomInt,
    preVote: c.preVote === true,
    sticky: lease || checkQuorum,
    stepDownWindow: lease ? leaseTicks : checkQuorum ? c.electionTimeoutMinTicks : null,
    maxEntriesPerAppend: maxEntries,
    epoch: c.epoch ?? 0,
    bugs,
    safetyBugs: bugs.skipPrevLogCheck === true || bugs.commitOldTermByCount === true,
  };
}
