import type { Run } from '../core/run.js';
import type { Task } from '../core/task.js';
import { renderValue } from '../core/format.js';

/**
 * A lost wakeup, as users mean it and as shuttle, loom and Coyote only call "deadlock": task W
 * sleeps forever on a condvar (or a subscription), and a wakeup on that object that W missed (a
 * signal that reached no waiter, or any broadcast or publish) came *after* W's last read of
 * shared state and before W slept. W checked its predicate, the wakeup came and went, then W
 * slept. A waiter that re-read the state after the early signal is not flagged: its read is
 * newer than the signal.
 *
 * Returns the sleepers it explained, so the deadlock report can leave them out.
 */
export function findLostWakeups(run: Run): Set<Task> {
  const explained = new Set<Task>();
  for (const t of run.liveTasks()) {
    const si = t.sleepInfo;
    if (t.daemon || t.state !== 'blocked' || si === null || si.unheard === null) continue;
    const u = si.unheard;
    if (u.step <= si.readStep) continue;
    const read = si.readStep >= 0
      ? `last read ${si.readObj} = ${renderValue(si.readValue)} at step ${si.readStep}`
      // Plain variables are invisible to the harness: sim.shared cells let it name the stale read.
      : 'read no shared state the harness sees (keep the predicate in sim.shared to have its stale read named)';
    const where = si.kind === 'condvar' ? `${si.obj}.wait` : `next() on ${si.obj}`;
    const when = si.kind === 'condvar' ? 'before it slept' : 'before it subscribed';
    run.record({
      kind: 'lost-wakeup',
      actors: [t.label, u.task],
      message:
        `${t.label} sleeps forever in ${where} (since step ${si.step}): it missed ${u.task}'s ${u.op} on ${si.obj} ` +
        `at step ${u.step}; ${t.label} had ${read}, ${when}`,
      details: {
        waiter: t.label, object: si.obj, sleptAtStep: si.step,
        signal: { step: u.step, task: u.task, op: u.op },
        staleRead: si.readStep >= 0 ? { step: si.readStep, object: si.readObj, value: renderValue(si.readValue) } : null,
      },
    });
    explained.add(t);
  }
  return explained;
}
