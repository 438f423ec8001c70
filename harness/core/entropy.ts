import { Rng } from './rng.js';

/**
 * The streams a run draws from as it goes, each recorded in the decision list (Run.drawU32):
 *
 * - `user`: `sim.random()` and host mode's `Math.random`; (allowed: names host mode's virtual Math.random)
 * - `latency`: a message's one-way delay (the weather's latency profile, its heavy tail, and a
 *   message-ordering strategy's delay as replay reads it back);
 * - `message`: a message's faults (drop, delay fault and its length, reorder, duplicate and when);
 * - `nemesis`: partitions and their shape, crashes, crash-after-sync, lost unsynced writes,
 *   pauses, clogs, clock drift: everything the nemesis decides;
 * - `sync`: thread-primitive faults (a condition variable's spurious wakeup);
 * - `loop`: host mode's Node event loop (how late it wakes, how long a callback runs, the main
 *   module's `setTimeout(0)` vs `setImmediate` race: harness/host/loop.ts). (allowed: names the race host mode's loop draws)
 */
export type DrawStream = 'user' | 'latency' | 'message' | 'nemesis' | 'sync' | 'loop';

/** The streams of the run's environment, every one but the user's: what a fault `chance` draws from. */
export type FaultStream = Exclude<DrawStream, 'user'>;

/** A draw of the environment rather than of the target's code (the shrinker calms these). */
export function isEnvironmentDraw(stream: DrawStream | null): boolean {
  return stream !== null && stream !== 'user';
}

/**
 * A seed's one entropy source, forked into a named stream per subsystem, as TigerBeetle's VOPR
 * forks one PRNG (src/vopr.zig): a new draw in one subsystem shifts only that subsystem's later
 * draws, never another's. Before this split one `fault` stream served latency, message faults,
 * the nemesis and spurious wakeups, so one more nemesis draw moved every later message delay.
 *
 * Besides the run's draw streams (DrawStream), the source gives the streams drawn outside the
 * decision list: the strategy's own (`scheduler`, and pctcp's message priorities and guided's
 * flips under their names), and those drawn before the run from the seed alone (`weather`,
 * `workload`, `swarm`). Every stream depends only on the seed and its name, so the campaign's
 * weather draw and the run's own streams are forks of one source even where they are made apart.
 * The fork names are part of what a seed means: renaming one changes which seeds fail, and is an
 * engine change (ENGINE_VERSION in version.ts). The draw streams live as long as the source; the
 * others fork afresh at each call, so a subsystem takes its stream once and keeps it.
 */
export class Entropy {
  private readonly root: Rng;
  private readonly draws: Readonly<Record<DrawStream, Rng>>;

  constructor(readonly seed: string) {
    this.root = new Rng(seed);
    const r = this.root;
    this.draws = { user: r.fork('user'), latency: r.fork('latency'), message: r.fork('message'), nemesis: r.fork('nemesis'), sync: r.fork('sync'), loop: r.fork('loop') };
  }

  /** The next 32-bit draw of one of the run's streams. */
  u32(stream: DrawStream): number {
    return this.draws[stream].u32();
  }

  /** The strategy's choices: which step runs, which waiter wakes, its priorities. */
  get scheduler(): Rng {
    return this.strategy('sched');
  }

  /** A strategy's stream of its own beside `scheduler` (pctcp's message chains, guided's flips). */
  strategy(name: 'sched' | 'messages' | 'guided-flip'): Rng {
    return this.root.fork(name);
  }

  /** The seed's weather (net/weather.ts forks a stream per feature from it). */
  get weather(): Rng {
    return this.root.fork('weather');
  }

  /** The seed's workload knobs. */
  get workload(): Rng {
    return this.root.fork('workload');
  }

  /** `--swarm`'s per-seed fault set (sched/swarm.ts). */
  get swarm(): Rng {
    return this.root.fork('swarm');
  }
}
