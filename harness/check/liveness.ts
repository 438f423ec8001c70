import type { Checker, EndReason, Run } from '../core/run.js';
import type { LeadershipChecker } from './leadership.js';
import type { RaftSafetyChecker, SafetyNode } from './raft-safety.js';

/**
 * Liveness, checked only once the cluster is healed (TigerBeetle's vopr does the same): within
 * `livenessMs` of the start of the quiet period, some node that has signalled leadership for
 * term T applies an entry of term T (when `applied` is given the term; of any term otherwise).
 * It applies to targets that use `signalLeadership` or `observe` (leader-based ones); a run whose
 * duration ends before the deadline proves nothing and is not judged.
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
    const iv = this.leadership.current.get(node.id);
    if (iv === undefined || (term !== undefined && term !== iv.term)) return;
    if (this.run.clock.now() < this.quietStartMs) this.earlyProgress = true;
    else this.satisfiedAt = this.run.clock.now();
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
        `no node signalled leadership and applied an entry of its term within livenessMs=${this.livenessMs} ` +
        `of the quiet period starting at ${this.quietStartMs}ms (deadline ${this.deadlineMs}ms); ${this.describe()}` + this.note() +
        // Signalling leadership is what turns this check on: say how a target without a log turns it off.
        (this.safety.observed ? '' : '; a leader-based target that replicates no log declares `ignore: [\'liveness\']`'),
      details: { quietStartMs: this.quietStartMs, deadlineMs: this.deadlineMs },
    });
  }
}
