import type { Run } from '../core/run.js';
import { LeadershipChecker } from '../check/leadership.js';
import { LivenessChecker } from '../check/liveness.js';
import { RaftSafetyChecker } from '../check/raft-safety.js';
import { describeNodes, leaderOracle } from '../check/leader-oracle.js';
import { findLostWakeups } from '../check/lost-wakeup.js';
import { findLockCycle, reportStuckTasks } from '../check/deadlock.js';
import { RunStopped } from '../core/violation.js';
import type { Task } from '../core/task.js';
import { DEFAULT_EVENT_LATENCY_MS, DEFAULT_LIVENESS_MS } from '../faults/knobs.js';
import type { NetRunOptions } from '../faults/net-options.js';
import type { Network } from '../net/network.js';
import type { SimMutex } from '../sync/mutex.js';
import { historyOf } from '../check/linearizability/recorder.js';

export { attachHistoryCheck } from '../check/linearizability/recorder.js';

// Every detector of a run is attached here, and nowhere else: the network and the primitives
// only emit what happens (net/events.ts), and whoever listens judges it.

/** At quiescence: lost wakeups first; a deadlock only for what they do not explain. */
export function attachEndAnalysis(run: Run, sims: () => readonly { readonly mutexes: readonly SimMutex[] }[]): void {
  run.checkers.push({
    atEnd(reason) {
      if (reason !== 'quiescent') return;
      const lost = findLostWakeups(run);
      if (lost.size > 0) return;
      const holders = sims().flatMap((s) => s.mutexes)
        .filter((m) => m.owner !== null && m.owner.state !== 'abandoned')
        .map((m) => ({ mutex: m.name, holder: m.owner!.label }));
      reportStuckTasks(run, holders);
    },
  });
}

/** Lock cycles: a wait-for cycle through mutex holders is a deadlock the moment it forms, so
 * each contended lock() is checked as it is asked for. One function per Sim, for all its mutexes. */
export function lockCycleDetector(run: Run): (t: Task, m: SimMutex) => void {
  return (t, m) => {
    const cycle = findLockCycle(t, m);
    if (cycle === null) return;
    run.violate({
      kind: 'deadlock',
      actors: cycle.map((c) => c.task),
      message: `lock cycle: ${cycle.map((c) => `${c.task} holds ${c.holds} and waits for ${c.wants}`).join('; ')}`,
      details: { cycle },
    });
    throw new RunStopped('deadlock');
  };
}

/**
 * A network's detectors: Raft safety and leadership listen to what its nodes emit (safety
 * first: a signal that breaks a Raft rule is reported as that), liveness judges the quiet period,
 * and the leadership detectors answer the nemesis's question of who leads.
 */
export function attachNetworkDetectors(run: Run, net: Network, o: NetRunOptions): void {
  const note = (): string => net.note();
  const paused = (id: string): boolean => run.pausedGroups.has(id);
  const leadership = new LeadershipChecker(run, o.eventLatencyMs ?? DEFAULT_EVENT_LATENCY_MS, note, paused);
  const safety = new RaftSafetyChecker(run, note);
  const liveness = new LivenessChecker(run, net.quietStartMs, o.livenessMs ?? DEFAULT_LIVENESS_MS,
    leadership, safety, note, () => describeNodes(net.nodes, paused, leadership, safety));
  net.events.listen(safety);
  net.events.listen(leadership);
  // A client's operations in flight when its node crashes may or may not have happened (Jepsen's info).
  net.events.listen({ crashed: (node) => historyOf(run).crashed(node.id) });
  run.checkers.push(leadership, liveness, safety);
  net.leaders = leaderOracle(leadership, safety);
}
