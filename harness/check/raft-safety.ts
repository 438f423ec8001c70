import type { RaftObservation } from '../core/api.js';
import type { Checker } from '../core/run-types.js';
import { UsageError } from '../core/errors.js';
import { RunStopped } from '../core/violation.js';

/** What the Raft checkers need to know about a node. */
export interface SafetyNode {
  readonly id: string;
  readonly incarnation: number;
}

/**
 * What the Raft checkers need of a run: a `Run` is one, and a test can hand in a plain object, so
 * the checkers are driven without a network (test/raft-detectors.test.ts feeds them histories of
 * the pure Raft core).
 */
export interface CheckerRun {
  /** The decision count: reports name the steps at which entries were written and applied. */
  readonly step: number;
  /** The task running, if any: after a finding it is stopped with RunStopped. */
  readonly current: unknown;
  /** Records a finding and ends the run; false when its kind is ignored. */
  violate(v: { kind: string; actors: string[]; message: string; details?: Record<string, unknown> }): boolean;
  /** Ends the run on bad input; the run's caller rethrows the error (the CLI exits 2). */
  abort(e: UsageError): void;
}

/** One application that was the first at its index. */
interface FirstApply {
  readonly digest: string;
  readonly node: string;
  readonly step: number;
  /** An upper bound on the term in which the entry was committed (see `leaderTermSeen`). */
  readonly bound: number;
}

/**
 * Raft's safety properties (Raft paper, Figure 3), checked over what nodes report with
 * `ctx.observe`, `ctx.applied` and `ctx.signalLeadership`, so they are the harness's checks and
 * not the target's asserts. Each rule is given exactly, with its source, in docs/detectors.md:
 * - election safety (§5.2): at most one node observed as leader per term (`election-safety`);
 * - log matching (§5.3): two logs holding the same entry at an index agree on every entry before
 *   it (`log-matching`; needs `observe({ log })`);
 * - leader completeness (§5.4, Figure 3): an entry committed in term C is in the log of every
 *   leader of a term > C. C is not reported, so each applied index keeps an upper bound on it,
 *   and a new leader of term T is compared only with entries whose bound is < T
 *   (`leader-completeness`; needs `observe({ log })`);
 * - state-machine safety (§5.4.3): no two applications of one index differ; no node reports an
 *   entry committed that differs from what was applied there; no node's committed entry changes
 *   without a crash (`state-machine-safety`).
 * The reports themselves are checked: a malformed one (the same in every seed) is a UsageError
 * that stops the run; a term that goes down on one node without a crash is `report-contract`.
 */
export class RaftSafetyChecker implements Checker {
  /** Whether any node reported its Raft state: the liveness check applies to such targets. */
  observed = false;
  /** Latest observation per node id, for liveness reports. */
  readonly lastObservation = new Map<string, { term: number; role: string; commitIndex: number; incarnation: number }>();
  private readonly leaderOfTerm = new Map<number, string>();
  /** Per index, its first application (index 0 unused). */
  private readonly firstApply: (FirstApply | undefined)[] = [];
  /**
   * The highest term any node has reported leading, by `observe({ role: 'leader' })` or
   * `signalLeadership('leader', term)`. Read at an index's first application, it bounds the term
   * that committed the entry from above, provided a leader reports its leadership before any
   * entry it commits is applied anywhere (the reporting contract, docs/detectors.md): the first
   * application follows the commit, and the commit follows the committing leader's report.
   */
  private leaderTermSeen = -1;
  private readonly logs = new Map<string, readonly string[]>();
  /** Per node, the step at which each entry of its log was first observed there: a log-safety
   * report names the steps that wrote the diverging entries, so the page can ring them. */
  private readonly entryStep = new Map<string, { digest: string; step: number }[]>();
  /** Per node, its committed prefix already compared with what was applied, with the commit
   * index that made it committed and the step it was reported at; forgotten at a crash. */
  private readonly checkedCommit = new Map<string, { upTo: number; commitIndex: number; step: number }>();
  /** Per node, the term it last reported and in which incarnation. */
  private readonly lastTerm = new Map<string, { term: number; incarnation: number; step: number }>();
  /** Called on each application (liveness listens). */
  onApplied: ((node: SafetyNode, index: number, term: number | undefined) => void) | null = null;

  constructor(
    private readonly run: CheckerRun,
    private readonly note: () => string,
  ) {}

  observe(node: SafetyNode, s: RaftObservation): void {
    const checked = readObservation(node.id, s);
    if (typeof checked === 'string') return this.usage(checked);
    const log = checked.log;
    if (!this.termMonotonic(node, s.term, 'observe')) return;
    this.observed = true;
    this.lastObservation.set(node.id, { term: s.term, role: s.role, commitIndex: s.commitIndex, incarnation: node.incarnation });
    if (s.role === 'leader') {
      this.leaderReported(s.term);
      if (!this.checkLeader(node, s.term, log)) return;
    }
    if (log === undefined) return;
    const change = this.noteEntrySteps(node.id, log);
    if (!this.checkLogMatching(node, log)) return;
    if (!this.checkCommittedUnchanged(node, log, change)) return;
    this.checkCommittedPrefix(node, s.commitIndex, log);
    this.logs.set(node.id, log);
  }

  /**
   * `signalLeadership` reached the detectors (net/node-context.ts validated it): a leader signal
   * raises the bound on commit terms, and its term is the node's current term, which must not
   * go down within an incarnation either.
   */
  signal(node: SafetyNode, role: 'leader' | 'follower', term: number): void {
    if (role !== 'leader') return;
    if (!this.termMonotonic(node, term, 'signalLeadership')) return;
    this.leaderReported(term);
  }

  private leaderReported(term: number): void {
    if (term > this.leaderTermSeen) this.leaderTermSeen = term;
  }

  /**
   * Figure 2: currentTerm "increases monotonically", and it is persistent state, so the same
   * incarnation never reports a lower one. Across a crash it may: a term taken in memory and
   * lost with unsynced writes was never acted on, if the node syncs before it sends.
   */
  private termMonotonic(node: SafetyNode, term: number, what: string): boolean {
    const prev = this.lastTerm.get(node.id);
    if (prev !== undefined && prev.incarnation === node.incarnation && term < prev.term) {
      this.fail('report-contract', [node.id],
        `${node.id} reported term ${term} (${what}) after reporting term ${prev.term} at step ${prev.step}, without a crash in between: ` +
        `a node's current term never goes down (Raft Figure 2); report the node's current term`,
        { node: node.id, term, previousTerm: prev.term, previousStep: prev.step, incarnation: node.incarnation });
      return false;
    }
    if (prev === undefined || prev.incarnation !== node.incarnation || term > prev.term) {
      this.lastTerm.set(node.id, { term, incarnation: node.incarnation, step: this.run.step });
    }
    return true;
  }

  /** False when it reported a finding. */
  private checkLeader(node: SafetyNode, term: number, log: readonly string[] | undefined): boolean {
    const prev = this.leaderOfTerm.get(term);
    if (prev !== undefined && prev !== node.id) {
      this.fail('election-safety', [prev, node.id],
        `${prev} and ${node.id} were both observed as leader of term ${term}: at most one leader per term`,
        { term, nodes: [prev, node.id] });
      return false;
    }
    if (prev !== undefined) return true;
    this.leaderOfTerm.set(term, node.id);
    return log === undefined || this.checkCompleteness(node, term, log);
  }

  /**
   * Checked once, when the node is first seen leading the term: its log holds every applied
   * entry that was committed in an earlier term. An entry whose bound is >= `term` may have been
   * committed in `term` or later, and a leader of `term` need not hold it: a candidate that
   * counts its votes late becomes leader of a term below one whose entries are already applied,
   * and Raft allows that (§5.4's property speaks of higher-numbered terms only).
   */
  private checkCompleteness(node: SafetyNode, term: number, log: readonly string[]): boolean {
    for (let i = 1; i < this.firstApply.length; i++) {
      const a = this.firstApply[i];
      if (a === undefined || a.bound >= term || log[i - 1] === a.digest) continue;
      this.fail('leader-completeness', [node.id, a.node],
        `${node.id} became leader of term ${term} without entry ${i} (${a.digest}), which ${a.node} applied at step ${a.step}, ` +
        `when no node had reported leading a term above ${a.bound}, so it was committed in term ${a.bound} or earlier; ` +
        `its log has ${log[i - 1] === undefined ? `only ${log.length} entries` : `${log[i - 1]} there`}`,
        { node: node.id, term, index: i, applied: a.digest, has: log[i - 1] ?? null, appliedStep: a.step, commitTermAtMost: a.bound });
      return false;
    }
    return true;
  }

  /** Records each entry's first step; returns the first position (0-based) whose digest changed
   * or went away since this node's last observation (or the old length when none did), with
   * the digest it had there. */
  private noteEntrySteps(id: string, log: readonly string[]): { at: number; was: string | null } {
    // Its own copy of the digests: a target may hand `observe` the same array, grown in place.
    let seen = this.entryStep.get(id);
    if (seen === undefined) this.entryStep.set(id, seen = []);
    const change = { at: seen.length, was: null as string | null };
    if (log.length < seen.length) {
      change.at = log.length;
      change.was = seen[log.length]!.digest;
    }
    seen.length = Math.min(seen.length, log.length);
    for (let k = 0; k < log.length; k++) {
      const was = seen[k];
      if (was !== undefined && was.digest === log[k]) continue;
      if (was !== undefined && k < change.at) {
        change.at = k;
        change.was = was.digest;
      }
      seen[k] = { digest: log[k]!, step: this.run.step };
    }
    return change;
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

  private checkLogMatching(node: SafetyNode, log: readonly string[]): boolean {
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
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A committed entry is final (§5.4.3, Figure 3 State Machine Safety; §5.3: a follower only
   * deletes conflicting entries, never committed ones): once a node reported index c committed,
   * its entries 1..c stay until it crashes. `change.at` is where its log changed since its last
   * observation (noteEntrySteps, which walks the log anyway).
   */
  private checkCommittedUnchanged(node: SafetyNode, log: readonly string[], change: { at: number; was: string | null }): boolean {
    const c = this.checkedCommit.get(node.id);
    const changedAt = change.at;
    if (c === undefined || changedAt >= c.upTo) return true;
    const i = changedAt + 1;
    const before = change.was ?? undefined;
    const a = this.firstApply[i];
    this.fail('state-machine-safety', [node.id],
      `${node.id} reported entry ${i} committed (commit index ${c.commitIndex} at step ${c.step}), then ` +
      `${log[changedAt] === undefined ? `a log of ${log.length} entries without it` : `${log[changedAt]} there`}` +
      `${before === undefined ? '' : ` instead of ${before}`}, without a crash in between: a committed entry was overwritten` +
      (a === undefined ? '' : ` (${a.node} applied ${a.digest} there at step ${a.step})`),
      { node: node.id, index: i, was: before ?? null, now: log[changedAt] ?? null, commitIndex: c.commitIndex, committedStep: c.step });
    return false;
  }

  private checkCommittedPrefix(node: SafetyNode, commitIndex: number, log: readonly string[]): void {
    const upTo = Math.min(commitIndex, log.length);
    const prev = this.checkedCommit.get(node.id);
    for (let i = (prev?.upTo ?? 0) + 1; i <= upTo; i++) {
      const a = this.firstApply[i];
      if (a === undefined || a.digest === log[i - 1]) continue;
      this.fail('state-machine-safety', [node.id, a.node],
        `${node.id} reports entry ${i} committed as ${log[i - 1]}, but ${a.node} applied ${a.digest} there at step ${a.step}: a committed entry was lost`,
        { node: node.id, index: i, committed: log[i - 1], applied: a.digest, appliedStep: a.step, committedStep: this.entrySteps([node.id], i - 1)[0] ?? null });
      return;
    }
    if (prev === undefined || upTo > prev.upTo) this.checkedCommit.set(node.id, { upTo, commitIndex, step: this.run.step });
  }

  applied(node: SafetyNode, index: number, digest: string | number, term: number | undefined): void {
    const bad = appliedError(node.id, index, digest, term);
    if (bad !== null) return this.usage(bad);
    const d = String(digest);
    const prev = this.firstApply[index];
    if (prev === undefined) {
      this.firstApply[index] = { digest: d, node: node.id, step: this.run.step, bound: this.leaderTermSeen };
    } else if (prev.digest !== d) {
      this.fail('state-machine-safety', [node.id, prev.node],
        `${node.id} applied ${d} at index ${index}, but ${prev.node} applied ${prev.digest} there at step ${prev.step}`,
        { index, nodes: [prev.node, node.id], digests: [prev.digest, d], appliedStep: prev.step });
      return;
    }
    this.onApplied?.(node, index, term);
  }

  /** Each report is judged as it arrives: nothing is left to judge when the run ends. */
  atEnd(): void {}

  /** A restarted node re-learns its commit index from scratch, and may report a lower term. */
  crashed(node: SafetyNode): void {
    this.checkedCommit.delete(node.id);
  }

  private fail(kind: string, actors: string[], message: string, details: Record<string, unknown>): void {
    const note = this.note();
    const recorded = this.run.violate({ kind, actors, message: message + note, details: { ...details, assumptionsBroken: note !== '' } });
    if (recorded && this.run.current !== null) throw new RunStopped(kind);
  }

  /** A report of the wrong shape: the same in every seed, so bad input, not a finding. */
  private usage(message: string): void {
    this.run.abort(new UsageError(message));
    if (this.run.current !== null) throw new RunStopped('usage');
  }
}

/** A value as a usage error shows it: short, on one line. */
export function shown(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  text = text.replace(/\s+/g, ' ');
  const what = v === null ? '' : Array.isArray(v) ? 'an array ' : typeof v === 'object' ? 'an object ' : '';
  return what + (text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The shape of an observation, as docs/detectors.md states it; what breaks it breaks it in every
 * seed, so it is reported once, as bad input. Returns that message, or the log as the checkers
 * compare it (numbers are digests too, as strings), in one pass over it.
 */
function readObservation(id: string, s: unknown): string | { log: readonly string[] | undefined } {
  const where = `${id}.observe`;
  if (typeof s !== 'object' || s === null) return `${where}: expected { term, role, commitIndex, lastLogIndex, log? }, got ${shown(s)}`;
  const o = s as Record<string, unknown>;
  for (const f of ['term', 'commitIndex', 'lastLogIndex'] as const) {
    if (!isCount(o[f])) return `${where}: ${f} must be an integer >= 0, got ${shown(o[f])}`;
  }
  const role = o['role'];
  if (typeof role !== 'string' || role.length === 0) return `${where}: role must be a non-empty string ('leader', 'follower', 'candidate'...), got ${shown(role)}`;
  // Only the exact 'leader' is a leader: 'Leader' would silently turn election safety and leader
  // completeness off for the whole run.
  if (role !== 'leader' && role.trim().toLowerCase() === 'leader') return `${where}: role ${shown(role)} must be written 'leader' (lower case), the one role the checkers act on`;
  const log = o['log'];
  if (log === undefined) return { log: undefined };
  if (!Array.isArray(log)) return `${where}: log must be an array of digests (entry i at log[i - 1]), got ${shown(log)}`;
  let numbers = false;
  for (let k = 0; k < log.length; k++) {
    const d: unknown = log[k];
    if (typeof d === 'string') continue;
    if (typeof d === 'number' && Number.isFinite(d)) {
      numbers = true;
      continue;
    }
    return `${where}: log[${k}] (entry ${k + 1}) must be a string or a number, a digest of the entry and its term such as '3:set x', got ${shown(d)}`;
  }
  if (log.length !== o['lastLogIndex']) return `${where}: log has ${log.length} digests but lastLogIndex is ${String(o['lastLogIndex'])}: log[i - 1] is entry i, for every i up to lastLogIndex`;
  return { log: numbers ? log.map(String) : (log as readonly string[]) };
}

/** The shape of an `applied` call; null when well formed. */
export function appliedError(id: string, index: unknown, digest: unknown, term: unknown): string | null {
  const where = `${id}.applied`;
  if (!(typeof index === 'number' && Number.isSafeInteger(index) && index >= 1)) return `${where}: index must be an integer >= 1 (the entry's log index, 1-based), got ${shown(index)}`;
  if (!(typeof digest === 'string' || (typeof digest === 'number' && Number.isFinite(digest)))) {
    return `${where}(${index}): digest must be a string or a number, the same digest as the entry's in observe's log, got ${shown(digest)}`;
  }
  if (term !== undefined && !isCount(term)) return `${where}(${index}): term must be an integer >= 0 (the entry's term) or left out, got ${shown(term)}`;
  return null;
}
