/**
 * Distinct schedules by decision hash, in constant memory: exact while few, then a HyperLogLog
 * sketch (Flajolet et al. 2007), whose registers merge across shards by taking the maximum.
 * 2^12 registers give a standard error of about 1.6%.
 */
import { fmix32 } from '../core/hash.js';
import { estimate, hllAdd, HLL_REGISTERS as M } from '../cover/hll.js';

/** Exact up to this many distinct hashes (about 4 MB), an estimate beyond. */
export const EXACT_LIMIT = 1 << 16;


export interface DistinctSketch {
  /** Exact count, when every hash was kept (null once the sketch took over). */
  exact: number | null;
  /** The registers, base64. */
  registers: string;
}

export class Distinct {
  private readonly registers = new Uint8Array(M);
  private exact: Set<string> | null = new Set();
  private exactCount: number | null = 0;

  add(hex: string): void {
    if (hex.length < 16) return;
    if (this.exact !== null) {
      this.exact.add(hex);
      this.exactCount = this.exact.size;
      if (this.exact.size > EXACT_LIMIT) {
        this.exact = null;
        this.exactCount = null;
      }
    }
    hllAdd(this.registers, fmix32(parseInt(hex.slice(0, 8), 16)), fmix32(parseInt(hex.slice(8, 16), 16) ^ 0x9e3779b9));
  }

  /** The count: exact while it could be kept, else the sketch's estimate. */
  count(): { value: number; estimated: boolean } {
    if (this.exactCount !== null) return { value: this.exactCount, estimated: false };
    return { value: estimate(this.registers), estimated: true };
  }

  sketch(): DistinctSketch {
    return { exact: this.exactCount, registers: Buffer.from(this.registers).toString('base64') };
  }

  /** Sketches of disjoint seed sets (shards) joined: registers by maximum, never a sum of
   * counts. One exact part stays exact; several may share schedules, so their union is estimated. */
  static fromSketches(parts: readonly DistinctSketch[]): Distinct {
    const d = new Distinct();
    d.exact = null;
    d.exactCount = parts.length === 1 ? parts[0]!.exact : null;
    for (const p of parts) {
      const r = Buffer.from(p.registers, 'base64');
      if (r.length !== M) throw new RangeError(`a distinct-schedule sketch has ${r.length} registers, not ${M}`);
      for (let i = 0; i < M; i++) if (r[i]! > d.registers[i]!) d.registers[i] = r[i]!;
    }
    return d;
  }
}
