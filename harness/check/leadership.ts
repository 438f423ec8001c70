import type { LeadershipEvent, LeadershipRole } from '../core/api.js';
import type { Checker, Run } from '../core/run.js';
import { RunStopped } from '../core/violation.js';
import type { Task } from '../core/task.js';

/** What the leadership detectors need to know about a node. */
export interface LeaderNode {
  readonly id: string;
  readonly incarnation: number;
  readonly up: boolean;
}

/** What the detector reads of a subscription to a node's leadership events
 * (net/leadership-channel.ts counts them). */
export interface WatchedSubscription {
  /** Events queued to this subscription. */
  readonly delivered: number;
  /** Events the owner took with next(). */
  readonly consumed: number;
  readonly closed: boolean;
  /** Inside a next() call: a reader woken but not yet run is starved, not failing to read. */
  readonly reading: boolean;
  readonly owner: Task;
  readonly subscribedAtStep: number;
}

/** What the detector reads of a node incarnation's leadership channel. */
export interface WatchedChannel {
  readonly name: string;
  readonly owner: LeaderNode;
  readonly lastEvent: LeadershipEvent | null;
  readonly lastPublishStep: number;
  readonly lastPublishMs: number;
}

/** Told of every subscription and delivery on a leadership channel. */
export interface LeadershipWatch {
  /** A subscription was made on `channel` (it misses everything published before). */
  subscribed(channel: WatchedChannel, sub: WatchedSubscription): void;
  /** `sub` was handed event number `sub.delivered`. */
  delivered(channel: WatchedChannel, sub: WatchedSubscription): void;
}

/** A node's leadership interval: from its leader signal to its follower signal or its crash. */
export interface LeaderInterval {
  term: number;
  step: number;
  timeMs: number;
  incarnation: number;
}

/** A subscriber must take event `need` (its count of deliveries) by `dueMs`. */
interface Obligation {
  channel: WatchedChannel;
  sub: WatchedSubscription;
  node: LeaderNode;
  incarnation: number;
  need: number;
  event: LeadershipEvent;
  signalStep: number;
  signalMs: number;
  dueMs: number;
  late: boolean;
}

/**
 * The detectors over `ctx.signalLeadership`, the one place a node says it leads:
 * - `duplicate-leadership`: a second leader signal for a term, by the same node (a restart does
 *   not excuse it: leading a term twice means term or vote were not persisted) or by another;
 * - `leadership-overlap`: two nodes' leadership intervals overlap in step order. Swarmkit's rule
 *   for leader-only subsystems, kept by a leader lease; not a Raft property (§5.1 lets a deposed
 *   leader act until it hears the newer term), so a target without a lease ignores it;
 * - `lost-leadership-event`: a subscriber of a node's `ctx.leadership` has not taken an event
 *   within `eventLatencyMs` virtual while both were alive. A subscription made after a leader
 *   signal owes that signal too (it can never see it: Swarmkit's subscribe-after-run bug), so
 *   subscribers must subscribe before the node can signal, the Swarmkit idiom.
 */
export class LeadershipChecker implements Checker, LeadershipWatch {
  /** Current leadership interval per node id. */
  readonly current = new Map<string, LeaderInterval>();
  /** Whether any node ever signalled: the liveness check applies to leader-based targets. */
  used = false;
  private readonly leaderOfTerm = new Map<number, { node: string; step: number; incarnation: number }>();
  private readonly pending: Obligation[] = [];

  constructor(
    private readonly run: Run,
    private readonly latencyMs: number,
    /** Names the target's declared assumptions the run broke, or ''. */
    private readonly note: () => string,
    private readonly paused: (node: string) => boolean,
  ) {}

  signal(node: LeaderNode, role: LeadershipRole, term: number): void {
    this.used = true;
    if (role === 'follower') {
      this.current.delete(node.id);
      return;
    }
    this.checkDuplicate(node, term);
    for (const [other, iv] of this.current) {
      if (other === node.id) continue;
      this.fail('leadership-overlap', [node.id, other],
        `${node.id} signalled leader for term ${term} at step ${this.run.step} while ${other} still led term ${iv.term} ` +
        `(since its leader signal at step ${iv.step}, ${fmtMs(iv.timeMs)}); their leadership intervals overlap ` +
        // Plain Raft allows it (§5.1: a deposed leader acts until it hears the newer term); only a
        // lease makes leadership exclusive, and that is what this detector holds a target to.
        `(exclusive leadership needs a leader lease; a target without one declares ignore: ['leadership-overlap'])`,
        { nodes: [other, node.id], terms: [iv.term, term], steps: [iv.step, this.run.step] });
    }
    this.current.set(node.id, { term, step: this.run.step, timeMs: this.run.clock.now(), incarnation: node.incarnation });
  }

  private checkDuplicate(node: LeaderNode, term: number): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev === undefined) {
      this.leaderOfTerm.set(term, { node: node.id, step: this.run.step, incarnation: node.incarnation });
      return;
    }
    const step = this.run.step;
    const message = prev.node === node.id
      ? `${node.id} signalled leader for term ${term} twice: at step ${prev.step} and at step ${step}` +
        (prev.incarnation !== node.incarnation
          ? ` (after restarting: incarnation ${prev.incarnation} then ${node.incarnation}; was the term or the vote not persisted?)`
          : ' (same incarnation, without losing the term in between)')
      : `${prev.node} and ${node.id} both signalled leader for term ${term} (steps ${prev.step} and ${step})`;
    this.fail('duplicate-leadership', prev.node === node.id ? [node.id] : [prev.node, node.id], message,
      { nodes: [prev.node, node.id], terms: [term, term], steps: [prev.step, step] });
  }

  /** A crash ends the node's leadership interval. */
  crashed(node: LeaderNode): void {
    this.current.delete(node.id);
  }

  subscribed(channel: WatchedChannel, sub: WatchedSubscription): void {
    const ev = channel.lastEvent;
    if (ev === null || ev.role !== 'leader') return;
    this.pending.push({
      channel, sub, node: channel.owner, incarnation: channel.owner.incarnation,
      need: sub.delivered + 1, event: ev, signalStep: channel.lastPublishStep, signalMs: channel.lastPublishMs,
      dueMs: Math.max(this.run.clock.now(), channel.lastPublishMs + this.latencyMs), late: true,
    });
  }

  delivered(channel: WatchedChannel, sub: WatchedSubscription): void {
    const node = channel.owner;
    this.pending.push({
      channel, sub, node, incarnation: node.incarnation, need: sub.delivered, event: channel.lastEvent!,
      signalStep: this.run.step, signalMs: this.run.clock.now(), dueMs: this.run.clock.now() + this.latencyMs, late: false,
    });
  }

  afterStep(): void {
    if (this.pending.length === 0) return;
    const now = this.run.clock.now();
    let kept = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const o = this.pending[i]!;
      if (this.settled(o)) continue;
      if (now >= o.dueMs) {
        if (!this.stalled(o)) {
          this.lost(o);
          if (this.run.finished) return;
          continue;
        }
        o.dueMs = now + this.latencyMs;
      }
      this.pending[kept++] = o;
    }
    this.pending.length = kept;
  }

  /** Taken, closed, or one side gone: nothing more is owed. */
  private settled(o: Obligation): boolean {
    if (o.sub.consumed >= o.need || o.sub.closed) return true;
    if (!o.node.up || o.node.incarnation !== o.incarnation) return true;
    const st = o.sub.owner.state;
    return st === 'abandoned' || st === 'done' || st === 'failed';
  }

  /**
   * Not the target's fault, so the deadline moves: a paused publisher or subscriber, or a
   * reader already woken in next() with the event whom the scheduler has not run yet.
   */
  private stalled(o: Obligation): boolean {
    if (o.sub.reading && o.sub.delivered > o.sub.consumed) return true;
    const g = o.sub.owner.group;
    return this.paused(o.node.id) || (g !== null && this.paused(g));
  }

  private lost(o: Obligation): void {
    const who = o.sub.owner.label;
    const what = `${o.node.id}'s ${o.event.role} signal for term ${o.event.term} (step ${o.signalStep}, ${fmtMs(o.signalMs)})`;
    const why = o.late
      ? `the subscription was made at step ${o.sub.subscribedAtStep}, after the signal, and a late subscriber never sees earlier events`
      : `it has taken ${o.sub.consumed} of the ${o.sub.delivered} events delivered to it and is not waiting in next()`;
    this.fail('lost-leadership-event', [who, o.node.id],
      `the ${o.channel.name} subscription of task ${who} did not receive ${what} within eventLatencyMs=${this.latencyMs}: ${why}`,
      { subscriber: who, node: o.node.id, event: o.event, signalStep: o.signalStep, late: o.late });
  }

  private fail(kind: string, actors: string[], message: string, details: Record<string, unknown>): void {
    const note = this.note();
    const recorded = this.run.violate({ kind, actors, message: message + note, details: { ...details, assumptionsBroken: note !== '' } });
    // The signalling task must not run on past a violation that ended the run.
    if (recorded && this.run.current !== null) throw new RunStopped(kind);
  }
}

export function fmtMs(ms: number): string {
  return `${Math.round(ms * 1000) / 1000}ms`;
}
