import type { NodeState } from './node-state.js';

/**
 * A client of the node (Swarmkit's `ProposeValue`): every proposeEveryMs, if this node has
 * signalled leadership, register a wait, re-check the flag, propose, and wait for the entry to
 * be applied or the wait cancelled (unless pipelined). Ids are unique across incarnations.
 */
/** Proposals a pipelined client keeps in flight at most. */
export const MAX_PENDING_PROPOSALS = 8;

export async function client(n: NodeState): Promise<void> {
  const { ctx } = n;
  let seq = 0;
  for (;;) {
    await ctx.sleep(n.b.proposeEveryMs);
    if (!(await n.signalled.get())) continue;
    // Backpressure, as a real client has (etcd bounds uncommitted entries): a pipelined client
    // that outran replication would leave each new leader a backlog it cannot catch up on.
    if (n.waits.size >= MAX_PENDING_PROPOSALS) continue;
    seq++;
    const id = `${ctx.id}.${ctx.incarnation}.${seq}`;
    const w = n.waits.register(id);
    // Registered first, then checked: a step-down between the two either cancels this wait or
    // is seen here (Swarmkit clears the flag before cancelAll for exactly this race).
    if (!(await n.signalled.get())) {
      n.waits.cancel(id);
      continue;
    }
    await n.inputs.enqueue({ kind: 'propose', data: id });
    // Pipelined, the wait stays registered for the run loop to settle: many clients, one task.
    if (!n.b.pipelined) await n.waits.wait(w);
  }
}
