import type { Checker, EndReason, Run } from '../core/run.js';
import type { LeadershipChecker } from './leadership.js';
import type { RaftSafetyChecker, SafetyNode } from './raft-safety.js';

/**
 * Liveness, checked only once the cluster is healed (TigerBeetle's vopr does the same): within
 * `livenessMs` of the start of the quiet period, some node that leads term T applies an entry of
 * term T (when `applied` is given the entry's term; of any term otherwise). A node leads T from
 * its `signalLeadership('leader', T)` to its follower signal or crash; a target that never
 * signals leadership leads by `observe`: its last observation says `role: 'leader'` of term T.
 * (Raft §8: a leader commits an entry of its own term, its no-op, before it serves; an entry of
 * an earlier term is committed only by one of the current term, §5.4.2.) It applies to targets
 * that use `signalLeadership` or `observe` (leader-based ones); a run whose duration ends before
 * the deadline proves nothing and is not judged.
 */
export class LivenessChecker implements Checker {
  private satisfiedAt = -1;
  /** Progress made before the quiet period: enough only for a run that then went quiescent. */
  private earlyProgress = false;
  readonly deadlineMs: number;

  constructor(
    private readonly run: Run,
    readonly quietStartMs: number,
    readonly livenessMs: number,
    private readonly leadership: LeadershipChecker,
    private readonly safety: RaftSafetyChecker,
    private readonly note: () => string,
    private readonly describe: () => string,
  ) {
    this.deadlineMs = quietStartMs + livenessMs;
    safety.onApplied = (node, _index, term) => this.applied(node, term);
  }

  private active(): boolean {
    return this.livenessMs > 0 && this.satisfiedAt < 0 && (this.leadership.used || this.safety.observed);
  }

  private applied(node: SafetyNode, term: number | undefined): void {
    if (this.satisfiedAt >= 0) return;
    const leads = this.leadsTerm(node);
    if (leads === null || (term !== undefined && term !== leads)) return;
    if (this.run.clock.now() < this.quietStartMs) this.earlyProgress = true;
    else this.satisfiedAt = this.run.clock.now();
  }

  /** The term `node` leads now, or null. Signals say it when the target signals at all: they
   * are what Swarmkit's leader-only work follows, and observe may lag them. */
  private leadsTerm(node: SafetyNode): number | null {
    if (this.leadership.used) return this.leadership.current.get(node.id)?.term ?? null;
    const obs = this.safety.lastObservation.get(node.id);
    // A previous incarnation's observation says nothing of this one, which re-applies old entries.
    return obs !== undefined && obs.role === 'leader' && obs.incarnation === node.incarnation ? obs.term : null;
  }

  afterStep(): void {
    if (this.satisfiedAt >= 0 || this.run.clock.now() <= this.deadlineMs) return;
    if (this.active()) this.fail();
  }

  atEnd(reason: EndReason): void {
    if (!this.active()) return;
    // A target that made progress and then finished all its work has nothing left to prove.
    if (reason === 'quiescent' && this.earlyProgress) return;
    if (reason === 'duration' && this.run.opts.durationMs < this.deadlineMs) return;
    this.fail();
  }

  private fail(): void {
    this.run.violate({
      kind: 'liveness',
      actors: [],
      message:
        `no node ${this.leadership.used ? 'signalled leadership' : 'observed as leader'} and applied an entry of its term within livenessMs=${this.livenessMs} ` +
        `of the quiet period starting at ${this.quietStartMs}ms (deadline ${this.deadlineMs}ms); ${this.describe()}` + this.note() +
        // Signalling leadership is what turns this check on: say how a target without a log turns it off.
        (this.safety.observed ? '' : '; a leader-based target that replicates no log declares `ignore: [\'liveness\']`'),
      details: { quietStartMs: this.quietStartMs, deadlineMs: this.deadlineMs },
    });
  }
}
