import seedrandom from 'seedrandom';

/**
 * A seeded generator that forks named child streams: a run's Entropy (entropy.ts) forks one per
 * subsystem, so a new draw in one never shifts another's. The generator is
 * seedrandom's alea: several times faster than its default ARC4, and just as reproducible.
 * A stream is seeded only when first drawn from (a root that only forks never is): seeding
 * costs microseconds, a draw nanoseconds.
 */
export class Rng {
  private gen: seedrandom.PRNG | null = null;

  constructor(readonly seed: string) {}

  /** A child stream named for its subsystem; depends only on the seed and the name. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  u32(): number {
    const g = this.gen ?? (this.gen = seedrandom.alea(this.seed));
    return g.int32() >>> 0;
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
