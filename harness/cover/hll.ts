/**
 * HyperLogLog registers (Flajolet et al. 2007), shared by the distinct-schedule count
 * (explore/distinct.ts) and the abstract-state sketch (cover/sketch.ts). 2^12 registers give a
 * standard error of about 1.6%.
 */
const P = 12;
const M = 1 << P;

/** Registers in a sketch. */
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
