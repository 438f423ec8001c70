/**
 * One seeded generator per run, with a forked stream per subsystem (TigerBeetle's vopr does the
 * same) so that, say, a new fault draw never shifts the scheduler's choices. The generator is
 * Baagøe's alea, bit for bit as seedrandom's `alea` computes it (every stored seed's decisions
 * depend on that), written as a plain class so a draw is one monomorphic method call instead of
 * two closure calls, and seeded only when first drawn from (a root that only forks never is).
 */
export class Rng {
  private gen: Alea | null = null;

  constructor(readonly seed: string) {}

  /** A child stream named for its subsystem; depends only on the seed and the name. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  u32(): number {
    const g = this.gen ?? (this.gen = new Alea(this.seed));
    return ((g.next() * 0x100000000) | 0) >>> 0;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int needs n >= 1, got ${n}`);
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** True with probability p in [0, 1]. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.u32() / 4294967296 < p;
  }
}

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** Baagøe's Mash: the hash alea seeds from; its state carries over between calls. */
class Mash {
  private n = 0xefc8249d;

  hash(data: string): number {
    let n = this.n;
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    this.n = n;
    return (n >>> 0) * TWO_POW_MINUS_32;
  }
}

/** alea, as seedrandom's lib/alea.js: same seeding, same arithmetic, same order of updates. */
class Alea {
  private s0: number;
  private s1: number;
  private s2: number;
  private c = 1;

  constructor(seed: string) {
    const mash = new Mash();
    this.s0 = mash.hash(' ');
    this.s1 = mash.hash(' ');
    this.s2 = mash.hash(' ');
    this.s0 -= mash.hash(seed);
    if (this.s0 < 0) this.s0 += 1;
    this.s1 -= mash.hash(seed);
    if (this.s1 < 0) this.s1 += 1;
    this.s2 -= mash.hash(seed);
    if (this.s2 < 0) this.s2 += 1;
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * TWO_POW_MINUS_32;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }
}
