import { fail } from './assert.js';
import type { Entry } from './types.js';

/**
 * The replicated log, 1-based with an implicit sentinel at index 0 (term 0), so that
 * prevLogIndex 0 always matches. Tracks which suffix is not yet stable and what is applied.
 */
export class RaftLog {
  private readonly ents: Entry[] = [];
  private commitIdx: number;
  private appliedIdx: number;
  /** Lowest index written since the caller last persisted; lastIndex + 1 when all is stable. */
  private unstableFrom: number;

  /**
   * `strict` is false only when a safety bug flag is on: then a committed entry may be
   * overwritten and terms may decrease along the log, and we let the observer see that rather
   * than throw.
   */
  constructor(
    stable: readonly Entry[],
    commit: number,
    applied: number,
    private readonly strict = true,
  ) {
    stable.forEach((e, i) => {
      if (e.index !== i + 1) fail(`persisted log not contiguous at ${i + 1}`);
      if (strict && i > 0 && e.term < stable[i - 1]!.term) fail(`persisted terms decrease at ${e.index}`);
      this.ents.push(e);
    });
    if (!(commit >= 0 && commit <= this.lastIndex())) fail(`commit ${commit} beyond log ${this.lastIndex()}`);
    if (!(applied >= 0 && applied <= commit)) fail(`applied ${applied} beyond commit ${commit}`);
    this.commitIdx = commit;
    this.appliedIdx = applied;
    this.unstableFrom = this.lastIndex() + 1;
  }

  lastIndex(): number {
    return this.ents.length;
  }

  lastTerm(): number {
    return this.termAt(this.lastIndex()) ?? 0;
  }

  get committed(): number {
    return this.commitIdx;
  }

  get applied(): number {
    return this.appliedIdx;
  }

  /** Term of entry i; 0 for the sentinel; undefined past the end. */
  termAt(i: number): number | undefined {
    if (i === 0) return 0;
    return this.ents[i - 1]?.term;
  }

  entryAt(i: number): Entry | undefined {
    return i >= 1 ? this.ents[i - 1] : undefined;
  }

  matchTerm(i: number, term: number): boolean {
    return this.termAt(i) === term;
  }

  /** Entries in [lo, hi], clipped to the log. */
  slice(lo: number, hi: number): Entry[] {
    if (!(lo >= 1)) fail(`slice from ${lo}`);
    return this.ents.slice(lo - 1, Math.max(lo - 1, Math.min(hi, this.lastIndex())));
  }

  /** §5.4.1: a candidate's log is at least as up-to-date if its last term is higher, or equal with an index >= ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Leader path: its own log only grows (Leader Append-Only, Figure 3). */
  appendNew(term: number, data: string): Entry {
    if (!(term >= this.lastTerm())) fail(`leader term ${term} below last log term ${this.lastTerm()}`);
    const e: Entry = { index: this.lastIndex() + 1, term, data };
    this.ents.push(e);
    return e;
  }

  /**
   * Follower path (AppendEntries receiver steps 3-4, Figure 2): skip entries we already hold,
   * truncate at the first conflict, append the rest. Never truncates on a mere prefix, so a
   * reordered shorter append cannot erase entries a longer one already delivered.
   */
  mergeFrom(entries: readonly Entry[]): void {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const mine = this.termAt(e.index);
      if (mine === e.term) continue;
      if (!(e.index <= this.lastIndex() + 1)) fail(`gap: appending ${e.index} after ${this.lastIndex()}`);
      if (mine !== undefined) this.truncateFrom(e.index);
      for (const rest of entries.slice(k)) this.ents.push({ index: rest.index, term: rest.term, data: rest.data });
      return;
    }
  }

  private truncateFrom(i: number): void {
    // A committed entry is final (State Machine Safety, §5.4); only a buggy configuration gets
    // here, and then commit/applied move back so the overwrite shows up as a re-application.
    if (this.strict && i <= this.commitIdx) fail(`truncating committed entry ${i} (commit ${this.commitIdx})`);
    this.ents.length = i - 1;
    this.unstableFrom = Math.min(this.unstableFrom, i);
    this.commitIdx = Math.min(this.commitIdx, i - 1);
    this.appliedIdx = Math.min(this.appliedIdx, i - 1);
  }

  /** Largest index <= i whose term is <= term: the logs cannot match above it (etcd findConflictByTerm). */
  hintBelow(i: number, term: number): number {
    let j = Math.min(i, this.lastIndex());
    while (j > 0 && (this.termAt(j) ?? 0) > term) j--;
    return j;
  }

  commitTo(i: number): boolean {
    if (i <= this.commitIdx) return false;
    if (!(i <= this.lastIndex())) fail(`commit ${i} beyond last index ${this.lastIndex()}`);
    this.commitIdx = i;
    return true;
  }

  unstableEntries(): Entry[] {
    return this.slice(this.unstableFrom, this.lastIndex());
  }

  /** unstableEntries().length > 0, without the copy. */
  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  stableTo(i: number): void {
    if (!(i <= this.lastIndex())) fail(`stableTo ${i} beyond ${this.lastIndex()}`);
    this.unstableFrom = Math.max(this.unstableFrom, i + 1);
  }

  nextCommitted(): Entry[] {
    return this.slice(this.appliedIdx + 1, this.commitIdx);
  }

  appliedTo(i: number): void {
    if (!(i >= this.appliedIdx && i <= this.commitIdx)) fail(`applied ${i} outside [${this.appliedIdx}, ${this.commitIdx}]`);
    this.appliedIdx = i;
  }
}
