import type { LeadershipChecker } from './leadership.js';
import type { RaftSafetyChecker } from './raft-safety.js';

/**
 * Who leads, as far as the detectors know: the nemesis asks it to aim a crash or a partition at
 * the leader. A node's term is its signalled leadership's, else the term of its last
 * observation as leader; -1 when it leads nothing the detectors heard of.
 */
export function leaderOracle(leadership: LeadershipChecker, safety: RaftSafetyChecker): { leaderTerm(id: string): number } {
  return {
    leaderTerm(id: string): number {
      const iv = leadership.current.get(id);
      if (iv !== undefined) return iv.term;
      const obs = safety.lastObservation.get(id);
      return obs !== undefined && obs.role === 'leader' ? obs.term : -1;
    },
  };
}

/** Each node's state as the detectors saw it last, for the liveness report. */
export function describeNodes(
  nodes: readonly { readonly id: string; readonly up: boolean }[],
  paused: (id: string) => boolean,
  leadership: LeadershipChecker,
  safety: RaftSafetyChecker,
): string {
  return nodes.map((n) => {
    const obs = safety.lastObservation.get(n.id);
    const lead = leadership.current.get(n.id);
    const state = !n.up ? 'down' : paused(n.id) ? 'paused' : 'up';
    return `${n.id} ${state}` +
      (obs ? `, observed ${obs.role} of term ${obs.term} (commit ${obs.commitIndex})` : '') +
      (lead ? `, signalled leader of term ${lead.term}` : '');
  }).join('; ');
}
