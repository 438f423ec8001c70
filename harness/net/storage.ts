import type { NodeStorage } from '../core/api.js';
import { deepCopy } from './copy.js';

/** One write not yet synced; `deleted` marks a delete. */
interface PendingWrite {
  key: string;
  value: unknown;
  deleted: boolean;
}

/**
 * A node's disk: it outlives the node's incarnations. Writes are visible at once to the node
 * (the page cache) but only `sync()` makes them durable. Values are deep-copied in and out, so
 * a crashed incarnation's in-memory objects can never alias what the next one reads back.
 * get/set/sync are synchronous: a slow fsync is modelled by the `pause` fault instead.
 */
export class DurableStore implements NodeStorage {
  private readonly durable = new Map<string, unknown>();
  private readonly pending: PendingWrite[] = [];
  /** Latest value per key, synced or not (what the running node reads). */
  private readonly cache = new Map<string, unknown>();
  syncs = 0;
  /** A write or delete ever reached this store: its node uses storage (the weather line says so). */
  written = false;

  constructor(readonly node: string) {}

  get<T = unknown>(key: string): T | undefined {
    checkKey(key);
    const v = this.cache.get(key);
    return v === undefined ? undefined : (deepCopy(v) as T);
  }

  set(key: string, value: unknown): void {
    checkKey(key);
    if (value === undefined) throw new TypeError(`storage.set(${key}): value must not be undefined (use delete)`);
    const copy = deepCopy(value);
    this.written = true;
    this.cache.set(key, copy);
    this.pending.push({ key, value: copy, deleted: false });
  }

  delete(key: string): void {
    checkKey(key);
    this.written = true;
    this.cache.delete(key);
    this.pending.push({ key, value: undefined, deleted: true });
  }

  /** Keys in sorted order: a Map's insertion order would leak write history into the target. */
  keys(): string[] {
    return [...this.cache.keys()].sort();
  }

  /** Told of every sync (the nemesis may crash the node right after one). */
  onSync: (() => void) | null = null;

  sync(): void {
    this.applyPending(this.pending.length);
    this.syncs++;
    this.onSync?.();
  }

  unsyncedWrites(): number {
    return this.pending.length;
  }

  /**
   * A crash: the first `keep` unsynced writes reach the disk, the rest are lost (all of them
   * are kept unless `lose-unsynced` struck). The cache becomes what is durable.
   */
  crash(keep: number): void {
    if (!(keep >= 0 && keep <= this.pending.length)) throw new RangeError(`crash keeps ${keep} of ${this.pending.length}`);
    this.applyPending(keep);
    this.pending.length = 0;
    this.cache.clear();
    for (const [k, v] of this.durable) this.cache.set(k, v);
  }

  private applyPending(n: number): void {
    for (let i = 0; i < n; i++) {
      const w = this.pending[i]!;
      if (w.deleted) this.durable.delete(w.key);
      else this.durable.set(w.key, w.value);
    }
    this.pending.splice(0, n);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('storage keys are non-empty strings');
}
