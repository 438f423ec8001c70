import type { NodeStorage } from '../../../harness/core/api.js';
import type { Entry, HardState, PersistedState, Ready } from '../core/index.js';

const HARD = 'hard';
const LAST = 'last';

/** Entries live under one key each (`e/000042`): the store deep-copies values, so one key per
 * entry keeps a persist O(new entries) instead of O(log). */
function entryKey(i: number): string {
  return `e/${String(i).padStart(6, '0')}`;
}

/**
 * The node's Raft storage (Swarmkit's raftLogger + snapshot store, without snapshots): hard
 * state and log entries in `ctx.storage`, made durable with one sync per ready batch.
 */
export class RaftStorage {
  private last: number;

  constructor(
    private readonly disk: NodeStorage,
    /** False in `vote-not-persisted`: the vote is dropped from the hard state on its way to disk. */
    private readonly persistVote: boolean,
  ) {
    this.last = disk.get<number>(LAST) ?? 0;
  }

  /** What survived the last crash: the state a restarted node starts from. */
  load(): PersistedState {
    const hardState = this.disk.get<HardState>(HARD) ?? { term: 0, vote: null, commit: 0 };
    const entries: Entry[] = [];
    for (let i = 1; i <= this.last; i++) {
      const e = this.disk.get<Entry>(entryKey(i));
      if (e === undefined) throw new Error(`raft storage: entry ${i} of ${this.last} missing`);
      entries.push(e);
    }
    return { hardState, entries };
  }

  /** Step 1 of a ready batch: a conflicting suffix is deleted before the new entries land. */
  save(rd: Ready): boolean {
    const hs = rd.hardState;
    if (hs === undefined && rd.entries.length === 0) return false;
    if (hs !== undefined) this.disk.set(HARD, this.persistVote ? hs : { ...hs, vote: null });
    if (rd.entries.length > 0) {
      const newLast = rd.entries[rd.entries.length - 1]!.index;
      for (let i = newLast + 1; i <= this.last; i++) this.disk.delete(entryKey(i));
      for (const e of rd.entries) this.disk.set(entryKey(e.index), e);
      this.last = newLast;
      this.disk.set(LAST, newLast);
    }
    this.disk.sync();
    return true;
  }
}
