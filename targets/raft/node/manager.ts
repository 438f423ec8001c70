import type { LeadershipEvent, NodeContext, Subscription } from '../../../harness/core/api.js';
import type { Message } from '../core/index.js';
import type { NodeState } from './node-state.js';
import { WAIT_FOR_LEADER_POLL_MS } from './timing.js';

/**
 * Swarmkit's `Manager.Run`: subscribe to leadership first, then handle events in a task of its
 * own; only then does the caller start the raft node (the fix for swarmkit #699).
 */
export async function startManager(n: NodeState): Promise<void> {
  const sub = await n.ctx.leadership.subscribe();
  n.ctx.spawn('manager', () => handleLeadershipEvents(n, sub), { daemon: true });
}

/**
 * The #699 bug: the subscription is made inside the manager's own task after it waited for the
 * cluster to have a leader, by which time this node may have published IsLeader to nobody.
 */
export async function lateManager(n: NodeState): Promise<void> {
  while (n.raft.leader === null) await n.ctx.sleep(WAIT_FOR_LEADER_POLL_MS);
  const sub = await n.ctx.leadership.subscribe();
  await handleLeadershipEvents(n, sub);
}

/**
 * `handleLeadershipEvents`: start leader-only subsystems on IsLeader, stop them on IsFollower.
 * Like Swarmkit it does not de-duplicate; the leader-only work checks what it relies on: it
 * never runs twice at once, and the store it reads holds the leader's whole log up to the
 * no-op that opened its term (otherwise it acts on entries the previous leader committed
 * without seeing them).
 */
async function handleLeadershipEvents(n: NodeState, sub: Subscription<LeadershipEvent>): Promise<void> {
  const ctx: NodeContext<Message> = n.ctx;
  for (;;) {
    const ev = await sub.next();
    if (ev.role === 'follower') {
      await n.leaderWork.set(null);
      continue;
    }
    const running = await n.leaderWork.get();
    ctx.assert(running === null,
      `${ctx.id}: leader-only subsystems started twice (running for term ${String(running)}, IsLeader for term ${ev.term} without IsFollower in between)`);
    const start = n.termStart.get(ev.term) ?? Infinity;
    ctx.assert(n.applied >= start,
      `${ctx.id}: leader-only work of term ${ev.term} started on a store applied up to ${n.applied}, ` +
      `before the term's no-op at ${start}: it reads state that misses entries the previous leader committed`);
    await n.leaderWork.set(ev.term);
  }
}
