import { fmix32 } from '../core/hash.js';
import { estimate, HLL_REGISTERS, hllAdd } from './hll.js';

/** Exact (a set) up to this many distinct abstract states, then a HyperLogLog estimate. */
export const EXACT_STATES = 1 << 16;
/** A report lists its states while there are at most this many, so merged shards stay exact. */
export const LISTED_STATES = 8_192;

/** Abstract states over seeds as a report keeps them. */
export interface StatesSketch {
  /** The exact count, or null once the sketch took over. */
  exact: number | null;
  /** HyperLogLog registers (4,096 bytes), base64. */
  registers: string;
  /** The states themselves, ascending, while exact and at most LISTED_STATES. */
  members?: number[];
}

/**
 * Distinct abstract states over a campaign's seeds: a set while it fits, with HyperLogLog
 * registers beside it from the start, so the union of shards is a set union when both list
 * their states and a register maximum otherwise, never a sum of counts.
 */
export class StateSet {
  private readonly registers = new Uint8Array(HLL_REGISTERS);
  private exact: Set<number> | null = new Set();

  /**
   * Adds one state; true when it was new to the set or raised a register. A journal that keeps
   * only such states of each seed rebuilds the same set and registers when read back in order.
   */
  add(h: number): boolean {
    let novel = false;
    if (this.exact !== null && !this.exact.has(h)) {
      this.exact.add(h);
      novel = true;
      if (this.exact.size > EXACT_STATES) this.exact = null;
    }
    return hllAdd(this.registers, fmix32(h ^ 0x3c6ef372), fmix32(h + 0x9e3779b9)) || novel;
  }

  /** Adds a run's states; returns those that were new (see add). */
  addAll(states: readonly number[]): number[] {
    const novel: number[] = [];
    for (const h of states) if (this.add(h)) novel.push(h);
    return novel;
  }

  has(h: number): boolean {
    return this.exact !== null && this.exact.has(h);
  }

  count(): { value: number; estimated: boolean } {
    if (this.exact !== null) return { value: this.exact.size, estimated: false };
    return { value: estimate(this.registers), estimated: true };
  }

  sketch(): StatesSketch {
    const s: StatesSketch = { exact: this.exact?.size ?? null, registers: Buffer.from(this.registers).toString('base64') };
    if (this.exact !== null && this.exact.size <= LISTED_STATES) s.members = [...this.exact].sort((a, b) => a - b);
    return s;
  }

  /** Shards joined: a set union when every part lists its states, else registers by maximum. */
  static fromSketches(parts: readonly StatesSketch[]): StateSet {
    const out = new StateSet();
    if (parts.every((p) => p.members !== undefined)) {
      for (const p of parts) for (const h of p.members!) out.add(h);
      return out;
    }
    out.exact = null;
    for (const p of parts) {
      const r = Buffer.from(p.registers, 'base64');
      if (r.length !== HLL_REGISTERS) throw new RangeError(`an abstract-state sketch has ${r.length} registers, not ${HLL_REGISTERS}`);
      for (let i = 0; i < HLL_REGISTERS; i++) if (r[i]! > out.registers[i]!) out.registers[i] = r[i]!;
    }
    return out;
  }
}
