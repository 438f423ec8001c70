/**
 * Pure Raft core (etcd-io/raft style). Drive a RaftNode with tick()/step()/propose(); after each
 * input, while hasReady(): rd = ready(); persist rd.hardState and rd.entries (truncating the
 * stored log at rd.entries[0].index first); send rd.messages; apply rd.committedEntries;
 * advance(rd). No timers, I/O or ambient randomness: time is tick(), chance is config.randomInt.
 */
export { RaftNode } from './raft.js';
export { RaftLog } from './log.js';
export { resolveConfig } from './config.js';
export type {
  AppendRequest,
  AppendResponse,
  BugFlags,
  Config,
  Entry,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  Message,
  MessageType,
  PersistedState,
  Ready,
  Role,
  SoftState,
  VoteRequest,
  VoteResponse,
} from './types.js';
