import type { CondVar, Mutex, NodeContext } from '../../../harness/core/api.js';

export type WaitOutcome = 'pending' | 'applied' | 'lost-leadership';

export interface Wait {
  readonly id: string;
  outcome: WaitOutcome;
}

/**
 * Swarmkit's `wait` registry: a proposal registers before it is proposed and is resolved when
 * its entry is applied, or cancelled when the node stops leading (`wait.cancelAll`). Outcomes
 * change under the mutex and waiters re-check them under it, so no resolution is missed.
 */
export class WaitRegistry {
  /** Insertion-ordered, so cancelAll walks it deterministically. */
  private readonly pending = new Map<string, Wait>();
  private readonly mu: Mutex;
  private readonly cv: CondVar;

  constructor(ctx: NodeContext<unknown>) {
    this.mu = ctx.mutex('waits');
    this.cv = ctx.condvar('waits');
  }

  register(id: string): Wait {
    const w: Wait = { id, outcome: 'pending' };
    this.pending.set(id, w);
    return w;
  }

  cancel(id: string): void {
    this.pending.delete(id);
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  get size(): number {
    return this.pending.size;
  }

  async wait(w: Wait): Promise<WaitOutcome> {
    await this.mu.lock();
    while (w.outcome === 'pending') await this.cv.wait(this.mu);
    await this.mu.unlock();
    return w.outcome;
  }

  /**
   * Resolves the waits of `applied` entries, fails those of `refused` proposals and, with
   * `cancelAll`, every other one (the node stopped leading).
   */
  async resolve(applied: readonly string[], refused: readonly string[], cancelAll: boolean): Promise<void> {
    await this.mu.lock();
    for (const id of applied) this.settle(id, 'applied');
    for (const id of refused) this.settle(id, 'lost-leadership');
    if (cancelAll) for (const id of [...this.pending.keys()]) this.settle(id, 'lost-leadership');
    await this.cv.broadcast();
    await this.mu.unlock();
  }

  private settle(id: string, outcome: WaitOutcome): void {
    const w = this.pending.get(id);
    if (w === undefined) return;
    this.pending.delete(id);
    w.outcome = outcome;
  }
}
