/**
 * Data shapes of the pure Raft core. Nothing here does I/O: the caller moves messages, persists
 * `HardState` and entries, and applies committed entries (etcd-io/raft's RawNode contract).
 */

export type Role = 'follower' | 'candidate' | 'precandidate' | 'leader';

/** One log slot. `data === ''` marks the no-op a new leader appends in its own term (§5.4.2, §8). */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly data: string;
}

/** What must survive a crash (Figure 2, "Persistent state on all servers", plus commit as etcd does). */
export interface HardState {
  readonly term: number;
  readonly vote: string | null;
  readonly commit: number;
}

/** Volatile state, reported so an observer can follow role changes without polling. */
export interface SoftState {
  readonly role: Role;
  readonly leader: string | null;
  readonly term: number;
}

export interface PersistedState {
  readonly hardState: HardState;
  /** The whole stable log, contiguous from index 1. */
  readonly entries: readonly Entry[];
  /** Highest index already applied by a state machine that survived the crash; default 0 (replay all). */
  readonly applied?: number;
}

export interface BugFlags {
  /** Figure 8: count replicas of an older-term entry to commit it (violates §5.4.2). */
  commitOldTermByCount?: boolean;
  /** Follower appends without the prevLogIndex/prevLogTerm check (violates Log Matching, §5.3). */
  skipPrevLogCheck?: boolean;
  /** Every timeout is electionTimeoutMinTicks, so simultaneous starters split votes forever (§5.2). */
  fixedElectionTimeout?: boolean;
  /** Disables the lease step-down and vote stickiness even when `lease` is set. */
  noLease?: boolean;
}

export interface Config {
  readonly id: string;
  /** Every member of the cluster, INCLUDING `id` itself; the same array can be given to all nodes. */
  readonly peers: readonly string[];
  /** Inclusive lower bound of the randomized election timeout, in ticks. */
  readonly electionTimeoutMinTicks: number;
  /** Exclusive upper bound of the randomized election timeout, in ticks. */
  readonly electionTimeoutMaxTicks: number;
  readonly heartbeatTicks: number;
  /** Uniform integer in [0, n). The only source of randomness the core ever uses. */
  readonly randomInt: (n: number) => number;
  readonly preVote?: boolean;
  /** Leader steps down without a quorum heard within electionTimeoutMinTicks; votes are sticky. */
  readonly checkQuorum?: boolean;
  /** Leader steps down without a quorum acknowledging a send within leaseTicks; votes are sticky. */
  readonly lease?: boolean;
  /** Default electionTimeoutMinTicks - 5; must be < electionTimeoutMinTicks. */
  readonly leaseTicks?: number;
  /** Differs for every start of this node (the node's incarnation): lease evidence is only
   * taken from answers to this start's own messages. Default 0. */
  readonly epoch?: number;
  /** Upper bound on entries in one append message (etcd's MaxSizePerMsg); default 64. */
  readonly maxEntriesPerAppend?: number;
  readonly bugs?: BugFlags;
}

interface MessageBase {
  readonly from: string;
  readonly to: string;
  /** The sender's term, except a pre-vote request/grant, which carries the term it would campaign in. */
  readonly term: number;
}

export interface VoteRequest extends MessageBase {
  readonly type: 'vote' | 'prevote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteResponse extends MessageBase {
  readonly type: 'vote-resp' | 'prevote-resp';
  readonly granted: boolean;
}

export interface AppendRequest extends MessageBase {
  readonly type: 'append';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  /** The leader's local tick at send time, echoed back to measure the lease. */
  readonly sentTick: number;
  /** Which start of the leader sent it (its ticks restart from 0 after a crash), echoed back:
   * a late answer to a previous life's message is no evidence for this life's lease. */
  readonly epoch: number;
}

export interface AppendResponse extends MessageBase {
  readonly type: 'append-resp';
  readonly success: boolean;
  /** On success: last index known to match the leader. */
  readonly matchIndex: number;
  /** On rejection: the prevLogIndex that failed, so the leader can discard stale rejections. */
  readonly rejectedIndex: number;
  /** On rejection: an index at or below which the logs may match (the leader retries from hint+1). */
  readonly hintIndex: number;
  readonly sentTick: number;
  readonly epoch: number;
}

export interface Heartbeat extends MessageBase {
  readonly type: 'heartbeat';
  /** min(leader commit, follower's match): never more than the follower is known to hold. */
  readonly commit: number;
  readonly sentTick: number;
  readonly epoch: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: 'heartbeat-resp';
  readonly sentTick: number;
  readonly epoch: number;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse;

export type MessageType = Message['type'];

/**
 * One batch of work for the caller, in this order:
 * 1. persist `hardState` (if present) and `entries`: storage first deletes every entry with
 *    index >= entries[0].index (a conflicting suffix, §5.3), then appends `entries`;
 * 2. send `messages` (only after step 1: a vote or an ack promises durability);
 * 3. apply `committedEntries` in order;
 * 4. call `advance(rd)` before the next tick/step/propose.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
}
