/**
 * Distinct schedules by decision hash, in constant memory: exact while few, then a HyperLogLog
 * sketch (Flajolet et al. 2007), whose registers merge across shards by taking the maximum.
 * 2^12 registers give a standard error of about 1.6%.
 */
import { fmix32 } from '../core/hash.js';

const P = 12;
const M = 1 << P;
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

/** Registers in a sketch (this one's and the abstract-state sketch's, cover/sketch.ts). */
export const HLL_REGISTERS = M;

/** Adds a 64-bit hash (two mixed 32-bit halves) to HyperLogLog registers; true when one rose. */
export function hllAdd(registers: Uint8Array, a: number, b: number): boolean {
  const idx = a >>> (32 - P);
  // The rank: leading zeros of the remaining bits (20 of a, then 32 of b), plus one.
  const rest = (a << P) >>> 0;
  const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - P + Math.clz32(b) + 1;
  if (rank <= registers[idx]!) return false;
  registers[idx] = rank;
  return true;
}

export function estimate(regs: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    sum += 2 ** -regs[i]!;
    if (regs[i] === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / M);
  const raw = (alpha * M * M) / sum;
  // Linear counting is the better estimate while many registers are still empty.
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}
