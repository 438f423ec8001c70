import type { NodeContext, Shared } from '../../../harness/core/api.js';
import { RaftNode, type Message } from '../core/index.js';
import type { Behaviour } from './variants.js';
import { NodeInputs, type Input } from './inputs.js';
import { RaftStorage } from './storage.js';
import { WaitRegistry } from './waits.js';
import { ELECTION_MAX_TICKS, ELECTION_MIN_TICKS, HEARTBEAT_TICKS, LEASE_TICKS } from './timing.js';
import { digestOf } from './digest.js';

/**
 * One incarnation of a Raft node: the state its tasks share. Only the run loop touches `raft`;
 * the other tasks reach it through `inputs`, read the flags, or wait in `waits`.
 */
export class NodeState {
  readonly raft: RaftNode;
  readonly storage: RaftStorage;
  readonly inputs: NodeInputs;
  readonly waits: WaitRegistry;
  /** Swarmkit's `signalledLeadership` (an atomic there): proposals read it. */
  readonly signalled: Shared<boolean>;
  /** The term whose leader-only subsystems the manager runs, or null: what the manager did. */
  readonly leaderWork: Shared<number | null>;
  /** Highest index applied to the state machine (the "store" leader-only work reads). */
  applied = 0;
  /** Index of the no-op each term this node led opened its log with. */
  readonly termStart = new Map<number, number>();
  /** Digests of the log, entry i at [i - 1], kept in step with storage for ctx.observe. */
  readonly digests: string[];

  constructor(
    readonly ctx: NodeContext<Message>,
    readonly b: Behaviour,
    members: readonly string[],
    /** What an input does while the run loop waits (run-loop.ts's stepIdle: passed in, so the
     * node's state does not import the loop that reads it). */
    stepIdle: (n: NodeState, x: Input) => boolean,
  ) {
    this.storage = new RaftStorage(ctx.storage, b.persistVote);
    const persisted = this.storage.load();
    this.digests = persisted.entries.map(digestOf);
    this.raft = new RaftNode({
      id: ctx.id,
      peers: members,
      electionTimeoutMinTicks: ELECTION_MIN_TICKS,
      electionTimeoutMaxTicks: ELECTION_MAX_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      randomInt: (n) => ctx.randomInt(n),
      preVote: true,
      lease: true,
      leaseTicks: LEASE_TICKS,
      maxEntriesPerAppend: b.maxEntriesPerAppend,
      epoch: ctx.incarnation,
      bugs: b.bugs,
    }, persisted);
    this.inputs = new NodeInputs(ctx, (x) => stepIdle(this, x));
    this.waits = new WaitRegistry(ctx);
    this.signalled = ctx.shared('signalled-leadership', false);
    this.leaderWork = ctx.shared<number | null>('leader-work', null);
  }
}
