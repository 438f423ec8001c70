/**
 * A set of 32-bit hashes in one Int32Array, open addressing with linear probing. A run adds an
 * abstract state at every observe, leadership signal, delivery and wait: a JS Set would box
 * every hash past 2^30 into a heap number, this allocates only when it doubles.
 */
export class U32Set {
  private table = new Int32Array(64);
  private mask = 63;
  size = 0;

  /** True when `h` was not in the set. 0 and 1 are one member (0 marks an empty slot). */
  add(h: number): boolean {
    let k = h | 0;
    if (k === 0) k = 1;
    const t = this.table;
    const m = this.mask;
    let i = Math.imul(k, 0x9e3779b1) >>> 0 & m;
    for (;;) {
      const x = t[i]!;
      if (x === k) return false;
      if (x === 0) break;
      i = (i + 1) & m;
    }
    t[i] = k;
    if (++this.size * 2 > t.length) this.grow();
    return true;
  }

  /** The members as unsigned numbers, ascending (a canonical order for reports and tests). */
  values(): number[] {
    const out: number[] = [];
    const t = this.table;
    for (let i = 0; i < t.length; i++) if (t[i] !== 0) out.push(t[i]! >>> 0);
    return out.sort((a, b) => a - b);
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.add(old[i]!);
  }
}
