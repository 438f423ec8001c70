import type { Target } from '../core/api.js';
import { Rng } from '../core/rng.js';
import { isEnvironmentDraw, type FaultStream } from '../core/entropy.js';
import type { Run } from '../core/run.js';
import type { Choice, DrawStream, MessageSend, Scheduler, StepContext } from '../core/scheduler.js';
import { execute, type RunResult } from '../engine/execute.js';
import { DRAW_DEFAULT, ReplayScheduler, defaultStep, type Decision } from '../strategies/replay.js';
import type { RunSpec } from './run-decisions.js';
import { networkOf } from '../net/network.js';

/**
 * Replay keyed by what a decision is about, not by where it falls in the list.
 *
 * A lenient positional replay loses the run as soon as one fault goes: the fault's follow-up
 * draws (which node, how long) are no longer asked for, every later decision reads its
 * neighbour's value, and the run goes somewhere else (issue 16). Here a draw is keyed by the
 * virtual time, the step it happens in, and the fault yes/no (`chance`) that owns it, so removing
 * one fault leaves every other fault at its original time with its original details, and steps
 * follow the original order of labels where those are still runnable (DEMi's approach: external
 * events as units, internal ones matched as closely as they still can be).
 */

/** Fault log entries that follow from another fault (or from none), never removable alone. */
const DERIVED = new Set(['weather', 'quiet', 'heal', 'restart', 'resume']);

/** One removable fault: the log entry and the key of the draw that made it happen. */
export interface FaultUnit {
  /** Index in the run's fault log. */
  index: number;
  fault: string;
  detail: string;
  timeMs: number;
  /** The draw that, answered with the lenient default, removes this fault. */
  key: string;
}

/** What a run asked for, keyed: the map a keyed replay answers from. */
export interface KeyedRun {
  result: RunResult;
  /** Draw key → the value drawn there. */
  draws: Map<string, number>;
  /** Step and choice labels in the order they were picked. */
  steps: string[];
  /** The virtual time each step was picked at (compress.ts cuts by it). */
  stepTimes: number[];
  choices: string[];
  units: FaultUnit[];
  /**
   * Every message sent (`n1→n2:append#3`) and every store sync (`sync n2#5`), in order, with its
   * virtual time: numbered per link and kind or per node, which compress.ts renumbers.
   */
  sends: { label: string; timeMs: number }[];
}

/** What a keyed replay reads of the run it follows (all a worker thread needs of it). */
export type KeyedFrom = Pick<KeyedRun, 'draws' | 'steps' | 'choices' | 'units'>;

/**
 * The run's hooks the keys need: the clock, and which draws are fault yes/no questions and what
 * they answered. The engine offers no such hook, and a shrink-only one has no place on its hot
 * path, so the run instance (never its class) is wrapped, and only in shrink candidate runs.
 */
class Probe {
  run: Run | null = null;
  /** Set by `chance` just before its draw, cleared by the draw. */
  chanceP: number | null = null;
  lastKey = '';
  lastWasChance = false;
  /** Keys of fault yes/no draws that said yes and no fault entry has claimed yet. */
  private readonly yes: string[] = [];
  readonly units: FaultUnit[] = [];
  readonly sends: { label: string; timeMs: number }[] = [];

  /** The message being sent in this step, from the trace's `send` (its draws are keyed by it). */
  sending: string | null = null;
  /** The store sync the nemesis is being told of (its crash yes/no is keyed by it). */
  syncing: { node: string; label: string } | null = null;
  /** Per node, the sync whose crash its next `nemesis:sync-crash` timer carries out. */
  readonly syncCrashes = new Map<string, string>();
  /** While a message-ordering strategy's delay is drawn: how many ms the usual range spans. */
  delaySpan: number | null = null;

  attach(run: Run): void {
    this.run = run;
    const add = run.trace.add.bind(run.trace);
    run.trace.add = (step, timeMs, task, op, obj, result, payload): void => {
      if (op === 'send' && typeof obj === 'string') {
        this.sending = obj;
        this.sends.push({ label: obj, timeMs });
      }
      add(step, timeMs, task, op, obj, result, payload);
    };
    const chance = run.chance.bind(run);
    const record = run.recordFault.bind(run);
    run.chance = (p: number, stream: FaultStream): boolean => {
      if (p > 0) this.chanceP = p;
      const said = chance(p, stream);
      if (said) this.yes.push(this.lastKey);
      if (said && this.syncing !== null) this.syncCrashes.set(this.syncing.node, this.syncing.label);
      return said;
    };
    run.recordFault = (fault: string, detail: string): void => {
      record(fault, detail);
      this.claim(run, fault, detail);
    };
    const drawDelay = run.drawDelay.bind(run);
    run.drawDelay = (send: MessageSend): number => {
      this.delaySpan = Math.max(1, send.typicalMaxMs - send.minMs + 1);
      try {
        return drawDelay(send);
      } finally {
        this.delaySpan = null;
      }
    };
  }

  now(): number {
    return this.run?.clock.now() ?? 0;
  }

  /**
   * A crash right after a sync is keyed by which sync of its node it was (`sync n2#5`), not by
   * the virtual time of the step that synced: that time moves whenever anything before it
   * changes (a fault removed, time compressed), and the crash would be lost with it.
   */
  watchSyncs(run: Run): void {
    for (const node of networkOf(run)?.nodes ?? []) {
      const told = node.store.onSync;
      node.store.onSync = (): void => {
        const label = `sync ${node.id}#${node.store.syncs}`;
        this.sends.push({ label, timeMs: this.now() });
        this.syncing = { node: node.id, label };
        try {
          told?.();
        } finally {
          this.syncing = null;
        }
      };
    }
  }

  /** A fault entry belongs to the yes that caused it; a strategy's held delay to its own draw. */
  private claim(run: Run, fault: string, detail: string): void {
    if (DERIVED.has(fault)) return;
    let key: string | undefined;
    if (fault === 'delay' && detail.endsWith('by the strategy')) key = this.lastWasChance ? undefined : this.lastKey;
    else key = this.yes.pop();
    if (key === undefined) return;
    const e = run.faultLog[run.faultLog.length - 1]!;
    this.units.push({ index: run.faultLog.length - 1, fault, detail, timeMs: e.timeMs, key });
  }
}

/** A target whose setup first hands its run to the probe. */
function probed(target: Target, probe: Probe): Target {
  return Object.create(target, {
    setup: {
      value(sim: Parameters<Target['setup']>[0], ctx: Parameters<Target['setup']>[1]) {
        const run = (sim as unknown as { run?: Run }).run;
        if (run === undefined) throw new Error('shrink: the simulation does not expose its run (engine changed?)');
        probe.attach(run);
        // Nodes are declared in setup; their syncs come in the steps after it.
        const done = target.setup(sim, ctx);
        if (done instanceof Promise) return done.then(() => probe.watchSyncs(run));
        probe.watchSyncs(run);
        return undefined;
      },
    },
  }) as Target;
}

/**
 * Computes each draw's key: `where|owner|n`, where is the message being sent (its label), else
 * the virtual time and the step. A yes/no draw is owned by where and its probability; any other
 * draw by the last yes/no before it in the same step (the draws that pick a partition's sides
 * belong to the partition's yes/no), counted from there.
 */
class Keys {
  private label = 'setup';
  private owner = '';
  /** The sync whose crash this step carries out (a `nemesis:sync-crash` timer), or null. */
  private crashOf: string | null = null;
  private readonly counts = new Map<string, number>();

  constructor(private readonly probe: Probe) {}

  /** The last yes/no key of this step (what owns the next draw that is not one). */
  get lastOwner(): string {
    return this.owner;
  }

  get nowMs(): number {
    return this.probe.now();
  }

  /** The next draw answers a fault yes/no. */
  get chancePending(): boolean {
    return this.probe.chanceP !== null;
  }

  /** The next draw is a strategy's message delay: the span of its usual range in ms, else null. */
  get delaySpan(): number | null {
    return this.probe.delaySpan;
  }

  stepped(label: string): void {
    this.label = label;
    this.owner = '';
    this.probe.sending = null;
    const m = SYNC_CRASH.exec(label);
    this.crashOf = m === null ? null : this.probe.syncCrashes.get(m[1]!) ?? null;
  }

  next(stream: DrawStream): string {
    const p = this.probe.chanceP;
    this.probe.chanceP = null;
    // A message's faults and latency go with the message, wherever in time its send moved; a
    // sync's crash, and the crash's own draws (how long down, what is lost), with the sync.
    const where = this.probe.sending !== null ? `send ${this.probe.sending}`
      : this.probe.syncing !== null ? this.probe.syncing.label
      : this.crashOf !== null ? `${this.crashOf} crash`
      : `${this.probe.now()}|${this.label}`;
    let key: string;
    if (isEnvironmentDraw(stream) && p !== null) {
      key = this.counted(`${where}|p${p}`);
      this.owner = key;
    } else {
      key = this.counted(`${where}|${stream}|${this.owner}`);
    }
    this.probe.lastKey = key;
    this.probe.lastWasChance = p !== null;
    return key;
  }

  private counted(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return `${prefix}#${n}`;
  }
}

/** The nemesis's timer that crashes a node right after a sync: `nemesis:sync-crash:n2#1`. */
const SYNC_CRASH = /^nemesis:sync-crash:(.+)#\d+$/;

/** Replays `list` exactly as the lenient replay would, noting every draw's key on the way. */
class KeyingScheduler implements Scheduler {
  readonly name = 'replay';
  readonly params = { mode: 'lenient' };
  readonly draws = new Map<string, number>();
  readonly steps: string[] = [];
  readonly stepTimes: number[] = [];
  readonly choices: string[] = [];
  private readonly inner: ReplayScheduler;

  constructor(list: readonly Decision[], private readonly keys: Keys) {
    this.inner = new ReplayScheduler(list, { mode: 'lenient' });
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    const i = this.inner.nextStep(steps, ctx);
    this.keys.stepped(steps[i]!.label);
    this.steps.push(steps[i]!.label);
    this.stepTimes.push(this.keys.nowMs);
    return i;
  }

  choose(kind: string, options: readonly Choice[]): number {
    const i = this.inner.choose(kind, options);
    this.choices.push(options[i]!.label);
    return i;
  }

  nextU32(stream: DrawStream): number {
    const key = this.keys.next(stream);
    const v = this.inner.nextU32(stream);
    this.draws.set(key, v);
    return v;
  }
}

/** How far ahead in the original order a step label is looked for. */
const LOOKAHEAD = 32;

/**
 * Answers from a keyed run: a removed fault's draw says no, every other draw the original said
 * at the same key. Steps take the earliest runnable label in the original order, a little way
 * ahead. Where the original has nothing to say, try 0 takes the lenient defaults (no fault, the
 * shortest delay, no preemption) and later tries a seeded random pick: the variations close to
 * the original that DEMi explores for each subset of faults. A fault yes/no the original never
 * asked always says no, so a candidate never gains a fault.
 */
class KeyedScheduler implements Scheduler {
  readonly name = 'replay';
  readonly params = { mode: 'lenient' };
  private stepAt = 0;
  private choiceAt = 0;
  private lastLabel = '';
  /** What this run asked for, keyed, so an accepted candidate is the next one's original. */
  readonly draws = new Map<string, number>();
  readonly steps: string[] = [];
  readonly stepTimes: number[] = [];
  readonly choices: string[] = [];

  /** Keys of the faults `from` made: their draws and those they own are never drawn again. */
  private readonly kept: ReadonlySet<string>;

  constructor(
    private readonly from: KeyedFrom,
    private readonly removed: ReadonlySet<string>,
    private readonly keys: Keys,
    private readonly rng: Rng | null,
    /** From this virtual time on, draws that belong to no fault are drawn afresh (suffix.ts). */
    private readonly rerollFromMs: number | null = null,
  ) {
    this.kept = new Set(from.units.map((u) => u.key));
  }

  nextStep(steps: readonly Choice[], ctx: StepContext): number {
    let i = this.follow(steps, this.from.steps, this.stepAt, (j) => { this.stepAt = j + 1; });
    if (i < 0) i = this.rng !== null && steps.length > 1 ? this.rng.int(steps.length) : defaultStep(steps, ctx, this.lastLabel);
    this.lastLabel = steps[i]!.label;
    this.keys.stepped(this.lastLabel);
    this.steps.push(this.lastLabel);
    this.stepTimes.push(this.keys.nowMs);
    return i;
  }

  choose(_kind: string, options: readonly Choice[]): number {
    let i = this.follow(options, this.from.choices, this.choiceAt, (j) => { this.choiceAt = j + 1; });
    if (i < 0) i = this.rng !== null ? this.rng.int(options.length) : 0;
    this.choices.push(options[i]!.label);
    return i;
  }

  nextU32(stream: DrawStream): number {
    const chance = this.keys.chancePending;
    const key = this.keys.next(stream);
    const v = this.rerolls(key, chance) ? this.fresh() : this.answer(key, chance);
    this.draws.set(key, v);
    return v;
  }

  /**
   * A seeded draw where the original has none. A strategy's message delay stays in the usual
   * range: drawn up to the ceiling it would hold most messages back, each a `delay` fault the
   * original never had, and the candidate would be rejected for the faults it gained.
   */
  private fresh(): number {
    const span = this.keys.delaySpan;
    return span === null ? this.rng!.u32() : this.rng!.int(span);
  }

  /** A latency, a timeout or a step's own draw past the reroll time; never a fault's yes/no or its details. */
  private rerolls(key: string, chance: boolean): boolean {
    if (this.rerollFromMs === null || this.rng === null || chance || this.keys.nowMs < this.rerollFromMs) return false;
    return !this.kept.has(key) && !this.kept.has(this.keys.lastOwner);
  }

  private answer(key: string, chance: boolean): number {
    if (this.removed.has(key)) return DRAW_DEFAULT;
    const v = this.from.draws.get(key);
    if (v !== undefined) return v;
    if (chance || this.rng === null) return DRAW_DEFAULT;
    return this.fresh();
  }

  /** Index in `options` of the first label of `order` from `at` on that is offered, or -1. */
  private follow(options: readonly Choice[], order: readonly string[], at: number, found: (j: number) => void): number {
    for (let j = at; j < Math.min(order.length, at + LOOKAHEAD); j++) {
      const want = order[j]!;
      for (let i = 0; i < options.length; i++) {
        if (options[i]!.label === want) {
          found(j);
          return i;
        }
      }
    }
    return -1;
  }
}

/** Runs `list` (lenient replay) and keys what it asked for. */
export async function keyRun(spec: RunSpec, list: readonly Decision[]): Promise<KeyedRun> {
  const probe = new Probe();
  const keys = new Keys(probe);
  let s: KeyingScheduler | null = null;
  const result = await execute({
    ...spec, target: probed(spec.target, probe),
    scheduler: () => (s = new KeyingScheduler(list, keys)),
  });
  const k = s as KeyingScheduler | null;
  if (k === null) throw new Error('execute did not build a scheduler');
  return { result, draws: k.draws, steps: k.steps, stepTimes: k.stepTimes, choices: k.choices, units: probe.units, sends: probe.sends };
}

/**
 * Runs `from` again without the faults whose keys are in `removed`: try 0 with the lenient
 * defaults where the original has no answer, try t > 0 with random picks seeded by `seed` and t.
 */
export async function runWithout(spec: RunSpec, from: KeyedFrom, removed: ReadonlySet<string>, attempt: number, seed: string, rerollFromMs: number | null = null): Promise<KeyedRun> {
  const probe = new Probe();
  const keys = new Keys(probe);
  const rng = attempt === 0 ? null : new Rng(`shrink-faults/${seed}/${attempt}`);
  let s: KeyedScheduler | null = null;
  const result = await execute({
    ...spec, target: probed(spec.target, probe),
    scheduler: () => (s = new KeyedScheduler(from, removed, keys, rng, rerollFromMs)),
  });
  const k = s as KeyedScheduler | null;
  if (k === null) throw new Error('execute did not build a scheduler');
  return { result, draws: k.draws, steps: k.steps, stepTimes: k.stepTimes, choices: k.choices, units: probe.units, sends: probe.sends };
}
