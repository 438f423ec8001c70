import type { NodeState } from './node-state.js';
import { TICK_MS } from './timing.js';

/**
 * The ticker (Swarmkit's `n.ticker`): one tick per 10 ms of the node's own clock. A pause
 * delays its timer, so on waking it owes every tick the clock moved past, and sends them at
 * once, as a Go ticker's reader would see time jump.
 */
export async function ticker(n: NodeState): Promise<void> {
  const { ctx } = n;
  const start = ctx.now();
  let done = 0;
  for (;;) {
    await ctx.sleep(Math.max(0, start + (done + 1) * TICK_MS - ctx.now()));
    // The clock is rounded to the µs, so a due tick may read a hair short of its instant.
    const due = Math.floor((ctx.now() - start) / TICK_MS + 1e-6);
    if (due <= done) continue;
    const owed = due - done;
    done = due;
    await n.inputs.put({ kind: 'tick', n: owed });
  }
}

/** The transport's receive side: every message delivered to the node is stepped, in order. */
export async function receiver(n: NodeState): Promise<void> {
  for (;;) {
    const msg = await n.ctx.recv();
    if (msg === undefined) continue;
    await n.inputs.put({ kind: 'step', msg });
  }
}
