import type { RaftObservation } from '../core/api.js';
import type { Run } from '../core/run.js';
import { RunStopped } from '../core/violation.js';

/** What the Raft checkers need to know about a node. */
export interface SafetyNode {
  readonly id: string;
  readonly incarnation: number;
}

/**
 * Raft's safety properties (Raft paper, Figure 3), checked over what nodes report with
 * `ctx.observe` and `ctx.applied`, so they are the harness's checks and not the target's asserts:
 * - election safety: at most one node observed as leader per term (`election-safety`);
 * - log matching: two logs with the same entry at an index agree on every entry before it
 *   (`log-matching`; needs `observe({ log })`);
 * - leader completeness: a node that becomes leader holds every entry applied anywhere before
 *   (`leader-completeness`; needs `observe({ log })`);
 * - state-machine safety: no two applications of one index differ, and no node's committed
 *   prefix contradicts what was applied, across crashes (`state-machine-safety`).
 * A digest must identify an entry together with its term, and be the same in `log` and `applied`.
 */
export class RaftSafetyChecker {
  /** Whether any node reported its Raft state: the liveness check applies to such targets. */
  observed = false;
  /** Latest observation per node id, for liveness reports. */
  readonly lastObservation = new Map<string, { term: number; role: string; commitIndex: number }>();
  private readonly leaderOfTerm = new Map<number, string>();
  private readonly appliedDigest: string[] = [];
  private readonly appliedBy: { node: string; step: number }[] = [];
  private readonly logs = new Map<string, readonly string[]>();
  /** Per node, the step at which each entry of its log was first observed there: a log-safety
   * report names the steps that wrote the diverging entries, so the page can ring them. */
  private readonly entryStep = new Map<string, { digest: string; step: number }[]>();
  /** Committed prefix of each node's log already compared with what was applied. */
  private readonly checkedCommit = new Map<string, number>();
  /** Called on each application (liveness listens). */
  onApplied: ((node: SafetyNode, index: number, term: number | undefined) => void) | null = null;

  constructor(
    private readonly run: Run,
    private readonly note: () => string,
  ) {}

  observe(node: SafetyNode, s: RaftObservation): void {
    checkObservation(node.id, s);
    this.observed = true;
    this.lastObservation.set(node.id, { term: s.term, role: s.role, commitIndex: s.commitIndex });
    if (s.role === 'leader') this.checkLeader(node, s);
    if (s.log === undefined) return;
    this.noteEntrySteps(node.id, s.log);
    this.checkLogMatching(node, s.log);
    this.checkCommittedPrefix(node, s);
    this.logs.set(node.id, s.log);
  }

  private checkLeader(node: SafetyNode, s: RaftObservation): void {
    const prev = this.leaderOfTerm.get(s.term);
    if (prev !== undefined && prev !== node.id) {
      this.fail('election-safety', [prev, node.id],
        `${prev} and ${node.id} were both observed as leader of term ${s.term}: at most one leader per term`,
        { term: s.term, nodes: [prev, node.id] });
      return;
    }
    if (prev !== undefined) return;
    this.leaderOfTerm.set(s.term, node.id);
    if (s.log !== undefined) this.checkCompleteness(node, s.term, s.log);
  }

  /** Checked once, when the node is first seen leading the term: its log holds all applied. */
  private checkCompleteness(node: SafetyNode, term: number, log: readonly string[]): void {
    for (let i = 1; i < this.appliedDigest.length; i++) {
      const d = this.appliedDigest[i];
      if (d === undefined || log[i - 1] === d) continue;
      const by = this.appliedBy[i]!;
      this.fail('leader-completeness', [node.id, by.node],
        `${node.id} became leader of term ${term} without entry ${i} (${d}), which ${by.node} applied at step ${by.step}; ` +
        `its log has ${log[i - 1] === undefined ? `only ${log.length} entries` : `${log[i - 1]} there`}`,
        { node: node.id, term, index: i, applied: d, has: log[i - 1] ?? null, appliedStep: by.step });
      return;
    }
  }

  private noteEntrySteps(id: string, log: readonly string[]): void {
    // Its own copy of the digests: a target may hand `observe` the same array, grown in place.
    let seen = this.entryStep.get(id);
    if (seen === undefined) this.entryStep.set(id, seen = []);
    seen.length = Math.min(seen.length, log.length);
    for (let k = 0; k < log.length; k++) {
      const was = seen[k];
      if (was === undefined || was.digest !== log[k]) seen[k] = { digest: log[k]!, step: this.run.step };
    }
  }

  /** The steps at which these nodes' entries at position `k` were first observed, where known. */
  private entrySteps(ids: readonly string[], k: number): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const e = this.entryStep.get(id)?.[k];
      if (e !== undefined) out.push(e.step);
    }
    return out;
  }

  private checkLogMatching(node: SafetyNode, log: readonly string[]): void {
    for (const [other, theirs] of this.logs) {
      if (other === node.id) continue;
      const n = Math.min(log.length, theirs.length);
      let firstDiff = -1;
      for (let k = 0; k < n; k++) {
        if (log[k] !== theirs[k]) {
          if (firstDiff < 0) firstDiff = k;
        } else if (firstDiff >= 0) {
          this.fail('log-matching', [node.id, other],
            `${node.id} and ${other} hold the same entry ${k + 1} (${log[k]}) but differ at entry ${firstDiff + 1} ` +
            `(${log[firstDiff]} vs ${theirs[firstDiff]})`,
            {
              nodes: [node.id, other], sameIndex: k + 1, diffIndex: firstDiff + 1,
              // Where each node's diverging entry was first seen, then where the agreeing one was.
              diffSteps: this.entrySteps([node.id, other], firstDiff),
              sameSteps: this.entrySteps([node.id, other], k),
            });
          return;
        }
      }
    }
  }

  private checkCommittedPrefix(node: SafetyNode, s: RaftObservation): void {
    const log = s.log!;
    const upTo = Math.min(s.commitIndex, log.length);
    for (let i = (this.checkedCommit.get(node.id) ?? 0) + 1; i <= upTo; i++) {
      const d = this.appliedDigest[i];
      if (d === undefined || d === log[i - 1]) continue;
      const by = this.appliedBy[i]!;
      this.fail('state-machine-safety', [node.id, by.node],
        `${node.id} reports entry ${i} committed as ${log[i - 1]}, but ${by.node} applied ${d} there at step ${by.step}: a committed entry was lost`,
        { node: node.id, index: i, committed: log[i - 1], applied: d, appliedStep: by.step, committedStep: this.entrySteps([node.id], i - 1)[0] ?? null });
      return;
    }
    this.checkedCommit.set(node.id, Math.max(this.checkedCommit.get(node.id) ?? 0, upTo));
  }

  applied(node: SafetyNode, index: number, digest: string, term: number | undefined): void {
    if (!Number.isInteger(index) || index < 1) throw new RangeError(`${node.id}.applied: index must be an integer >= 1, got ${index}`);
    if (typeof digest !== 'string') throw new TypeError(`${node.id}.applied(${index}): digest must be a string`);
    const prev = this.appliedDigest[index];
    if (prev === undefined) {
      this.appliedDigest[index] = digest;
      this.appliedBy[index] = { node: node.id, step: this.run.step };
    } else if (prev !== digest) {
      const by = this.appliedBy[index]!;
      this.fail('state-machine-safety', [node.id, by.node],
        `${node.id} applied ${digest} at index ${index}, but ${by.node} applied ${prev} there at step ${by.step}`,
        { index, nodes: [by.node, node.id], digests: [prev, digest], appliedStep: by.step });
      return;
    }
    this.onApplied?.(node, index, term);
  }

  /** A restarted node re-learns its commit index from scratch. */
  crashed(node: SafetyNode): void {
    this.checkedCommit.delete(node.id);
  }

  private fail(kind: string, actors: string[], message: string, details: Record<string, unknown>): void {
    const note = this.note();
    const recorded = this.run.violate({ kind, actors, message: message + note, details: { ...details, assumptionsBroken: note !== '' } });
    if (recorded && this.run.current !== null) throw new RunStopped(kind);
  }
}

function checkObservation(id: string, s: RaftObservation): void {
  for (const f of ['term', 'commitIndex', 'lastLogIndex'] as const) {
    const v = s[f];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${id}.observe: ${f} must be an integer >= 0, got ${String(v)}`);
  }
  if (typeof s.role !== 'string') throw new TypeError(`${id}.observe: role must be a string`);
  if (s.log !== undefined && s.log.length !== s.lastLogIndex) {
    throw new RangeError(`${id}.observe: log has ${s.log.length} digests but lastLogIndex is ${s.lastLogIndex}`);
  }
}
