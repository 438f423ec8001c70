import type { NodeContext } from '../../../harness/core/api.js';
import type { Message } from '../core/index.js';
import { NodeState } from './node-state.js';
import { runLoop, stepIdle } from './run-loop.js';
import { receiver, ticker } from './feeders.js';
import { client } from './workload.js';
import { lateManager, startManager } from './manager.js';
import type { Behaviour } from './variants.js';

/**
 * One node's program, run again from scratch after every crash: restore Raft from storage,
 * then start the manager, the run loop and the tasks that feed it. Every task is a daemon: they
 * loop until the run ends.
 */
export async function raftNodeMain(ctx: NodeContext<Message>, b: Behaviour, members: readonly string[]): Promise<void> {
  const n = new NodeState(ctx, b, members, stepIdle);
  if (!b.subscribeAfterRun) await startManager(n);
  const daemon = { daemon: true };
  ctx.spawn('run', () => runLoop(n), daemon);
  ctx.spawn('ticker', () => ticker(n), daemon);
  ctx.spawn('receiver', () => receiver(n), daemon);
  ctx.spawn('client', () => client(n), daemon);
  if (b.subscribeAfterRun) ctx.spawn('manager', () => lateManager(n), daemon);
}
