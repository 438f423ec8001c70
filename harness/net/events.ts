import type { LeadershipRole, RaftObservation } from '../core/api.js';
import type { LeaderNode, LeadershipWatch, WatchedChannel, WatchedSubscription } from '../check/leadership.js';

/**
 * What a network's nodes do that a detector may want to hear, each method optional: a leader
 * or follower signal, a Raft observation, an application, a crash, and the subscriptions and
 * deliveries of the leadership channels. The network and its nodes only emit these; the engine
 * decides who listens (engine/detectors.ts), so a detector is driven without a network by
 * calling these methods itself.
 */
export interface NetListener extends Partial<LeadershipWatch> {
  signal?(node: LeaderNode, role: LeadershipRole, term: number): void;
  observe?(node: LeaderNode, state: RaftObservation): void;
  applied?(node: LeaderNode, index: number, digest: string | number, term: number | undefined): void;
  crashed?(node: LeaderNode): void;
}

/**
 * The listeners of one run's network, told in the order they were attached. A finding ends the
 * run: the listeners after it are not told of that signal (the one event two detectors judge).
 */
export class NetEvents implements LeadershipWatch {
  private readonly listeners: NetListener[] = [];

  constructor(private readonly run: { readonly finished: boolean }) {}

  listen(l: NetListener): void {
    this.listeners.push(l);
  }

  signal(node: LeaderNode, role: LeadershipRole, term: number): void {
    for (const l of this.listeners) {
      if (this.run.finished) return;
      l.signal?.(node, role, term);
    }
  }

  observe(node: LeaderNode, state: RaftObservation): void {
    for (const l of this.listeners) l.observe?.(node, state);
  }

  applied(node: LeaderNode, index: number, digest: string | number, term: number | undefined): void {
    for (const l of this.listeners) l.applied?.(node, index, digest, term);
  }

  crashed(node: LeaderNode): void {
    for (const l of this.listeners) l.crashed?.(node);
  }

  subscribed(channel: WatchedChannel, sub: WatchedSubscription): void {
    for (const l of this.listeners) l.subscribed?.(channel, sub);
  }

  delivered(channel: WatchedChannel, sub: WatchedSubscription): void {
    for (const l of this.listeners) l.delivered?.(channel, sub);
  }
}
