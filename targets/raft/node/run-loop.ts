import type { Entry, Ready } from '../core/index.js';
import type { Input } from './inputs.js';
import type { NodeState } from './node-state.js';
import { digestOf } from './digest.js';

/** Leadership as the run loop tracks it across ready batches (locals of Swarmkit's Node.Run). */
interface Leading {
  wasLeader: boolean;
  /** Mirror of n.signalled: the run loop is its only writer. */
  signalled: boolean;
  /** The term announced with IsLeader. */
  signalledTerm: number;
}

/**
 * Swarmkit's `Node.Run`: take the queued inputs, feed them to the state machine, then handle
 * each Ready in Swarmkit's order: persist, send, soft state, apply, maybe signal IsLeader,
 * advance. The awaits inside a batch are scheduling points where the node's other tasks run.
 */
export async function runLoop(n: NodeState): Promise<void> {
  const lead: Leading = { wasLeader: false, signalled: false, signalledTerm: 0 };
  for (;;) {
    await n.inputs.wait();
    do {
      const refused = feed(n, n.inputs.drain());
      if (refused.length > 0) await n.waits.resolve([], refused, false);
      while (n.raft.hasReady()) await handleReady(n, lead, n.raft.ready());
    } while (!n.inputs.settle());
  }
}

/** A feeder's input while the run loop is idle; true if the run loop has a Ready to handle. */
export function stepIdle(n: NodeState, x: Input): boolean {
  if (x.kind === 'tick') for (let i = 0; i < x.n; i++) n.raft.tick();
  else if (x.kind === 'step') n.raft.step(x.msg);
  else throw new TypeError('proposals go through the run loop');
  return n.raft.hasReady();
}

/** Feeds a batch; returns the proposals the state machine refused (not leader). */
function feed(n: NodeState, batch: readonly Input[]): string[] {
  const refused: string[] = [];
  for (const x of batch) {
    if (x.kind === 'tick') {
      for (let i = 0; i < x.n; i++) n.raft.tick();
    } else if (x.kind === 'step') {
      n.raft.step(x.msg);
    } else if (!n.raft.propose(x.data)) {
      refused.push(x.data);
    }
  }
  return refused;
}

async function handleReady(n: NodeState, lead: Leading, rd: Ready): Promise<void> {
  const { ctx, raft } = n;
  if (n.storage.save(rd)) trackLog(n, rd.entries);
  for (const m of rd.messages) ctx.send(m.to, m);
  // The reporting contract (docs/detectors.md): a leader reports leading before any entry it
  // commits is applied anywhere. A one-node cluster commits its no-op in this very Ready.
  if (rd.softState?.role === 'leader') observe(n);
  if (rd.softState !== undefined) await softState(n, lead, rd.softState.role === 'leader', rd.softState.term);
  const appliedIds = apply(n, rd.committedEntries);
  if (appliedIds.length > 0 && n.waits.size > 0) await n.waits.resolve(appliedIds, [], false);
  await maybeSignalLeader(n, lead);
  raft.advance(rd);
  if (rd.softState !== undefined || rd.hardState !== undefined || rd.entries.length > 0) observe(n);
}

/** What the safety checkers read; a batch that only sent messages changed none of it. */
function observe(n: NodeState): void {
  const r = n.raft;
  n.ctx.observe({ term: r.term, role: r.role, commitIndex: r.commitIndex, lastLogIndex: r.lastIndex, log: n.digests });
}

/** The digests follow storage: a suffix may be overwritten. */
function trackLog(n: NodeState, entries: readonly Entry[]): void {
  if (entries.length === 0) return;
  n.digests.length = entries[0]!.index - 1;
  for (const e of entries) n.digests.push(digestOf(e));
}

/** Swarmkit: on losing leadership clear the flag, publish IsFollower if IsLeader went out, cancel waits. */
async function softState(n: NodeState, lead: Leading, isLeader: boolean, term: number): Promise<void> {
  if (lead.wasLeader && !isLeader) {
    lead.wasLeader = false;
    if (lead.signalled) {
      lead.signalled = false;
      await n.signalled.set(false);
      n.ctx.signalLeadership('follower', lead.signalledTerm);
    }
    await n.waits.resolve([], [], true);
  } else if (!lead.wasLeader && isLeader) {
    lead.wasLeader = true;
    n.termStart.set(term, firstIndexOfTerm(n, term));
  }
}

function firstIndexOfTerm(n: NodeState, term: number): number {
  let i = n.raft.lastIndex;
  while (i > 1 && n.raft.termAt(i - 1) === term) i--;
  return i;
}

/** processCommitted: each entry reaches the state machine (and the safety checkers) in order. */
function apply(n: NodeState, entries: readonly Entry[]): string[] {
  const ids: string[] = [];
  for (const e of entries) {
    n.ctx.applied(e.index, digestOf(e), e.term);
    n.applied = e.index;
    if (e.data !== '' && n.waits.has(e.data)) ids.push(e.data);
  }
  return ids;
}

/** IsLeader goes out once per term, after the leader applied its whole log (caughtUp). */
async function maybeSignalLeader(n: NodeState, lead: Leading): Promise<void> {
  if (!lead.wasLeader) return;
  if (lead.signalled && !n.b.signalEveryBatch) return;
  const caughtUp = n.applied >= n.raft.lastIndex;
  if (!caughtUp && !n.b.signalBeforeCaughtUp) return;
  lead.signalled = true;
  lead.signalledTerm = n.raft.term;
  await n.signalled.set(true);
  n.ctx.signalLeadership('leader', n.raft.term);
}
