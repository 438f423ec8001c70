import { VirtualClock } from './clock.js';
import { DecisionHash, labelHash } from './hash.js';
import { BLOCK, Gate, Task, type ExecFn, type ReadyFn } from './task.js';
import { TimerQueue, TimedEvent } from './timers.js';
import { Trace } from './trace.js';
import { DecisionLog } from './decision-log.js';
import { progressCell, STEP } from './progress.js';
import { RunStopped, type Violation } from './violation.js';
import { DRAW_DEFAULT, ReplayDivergence, type Choice, type DrawStream, type MessageSend, type Scheduler } from './scheduler.js';
import { realClearImmediate, realSetImmediate } from './real.js';
import { relativeToCwd } from './format.js';

export type EndReason = 'quiescent' | 'duration' | 'violation';

/**
 * Steps at one virtual instant that make a livelock: nothing a correct target does needs that
 * many without time moving, while a busy target under heavy weather may need millions in all
 * (so the total budget, `maxSteps`, is large and this catches a spin quickly).
 */
export const STILL_STEPS = 100_000;

/** Tasks one run may spawn: far past any real target, short of exhausting memory on a spawn loop. */
export const DEFAULT_MAX_TASKS = 100_000;

/**
 * What the scheduler loop itself reads of a run's options. The full options a user's run takes
 * (the network's knobs, the drawn weather, the workload) are `RunOptions` in
 * harness/engine/options.ts, composed above core so that core imports nothing above it.
 */
export interface CoreOptions {
  /** Virtual duration in ms; reaching it is a normal end. */
  durationMs: number;
  /** Decision budget; exhausting it first is a `budget-exceeded` violation. */
  maxSteps: number;
  /** Fault name → probability in [0, 1]; absent means off. */
  faults: Readonly<Record<string, number>>;
  /** Violation kinds that are counted but neither reported nor allowed to stop the run. */
  ignore: ReadonlySet<string>;
  /** Trace events kept around a violation. */
  traceWindow: number;
  /** Keep the whole timeline (replay --trace). */
  traceAll: boolean;
  /** More tasks than this (spawned in one run) is a `task-limit` violation; default 100,000. */
  maxTasks?: number;
  /** Diagnosis of a stalled seed: stop before performing this step and report, as `stalled`,
   * the task or timer it would have resumed (the supervisor saw the thread never come back). */
  stopAtStep?: number;
  /** Wall time the supervisor waited before it gave up on the step (for the message). */
  stalledMs?: number;
}

/**
 * What host mode (harness/host) plugs into a run, so that unmodified event-driven code can run
 * as a node's program. Hosted code continues through promises and `process.nextTick`, outside
 * the engine's control: with a host, every decision runs in its own real macrotask (`hop`), so
 * those queues drain before the next decision, and a run ends on one more hop.
 */
export interface RunHost {
  /** Calls `fn` in the next real macrotask (the real setImmediate, captured before any swap; allowed: host mode's hop, never a wait). */
  hop(fn: () => void): void;
  /** The run is about to end (nothing virtual left, or the duration is up): the real resources
   * its code created (a socket, a real timer), described for an `escaped-simulation`, or null. */
  escapes(): string | null;
  /** The run has ended: hosted code still draining must not draw or arm anything. */
  ended(): void;
}

/** Hooks that detectors and the network layer attach to a run. */
export interface Checker {
  /** After every step; may call run.violate. */
  afterStep?(): void;
  /** Once when the run ends normally (not on a violation). */
  atEnd?(reason: EndReason): void;
}

export interface FaultEvent {
  step: number;
  timeMs: number;
  fault: string;
  detail: string;
}

export interface RawRunResult {
  end: EndReason;
  violations: Violation[];
  ignored: Record<string, number>;
  steps: number;
  timeMs: number;
  decisionHash: string;
  decisions: (string | number)[];
  tasks: number;
  faultLog: FaultEvent[];
  trace: Trace;
}

/** What the run and the network report of the states they reach (the engine supplies it). */
export interface RunCoverage {
  observe(node: number, incarnation: number, role: string, term: number, commitIndex: number): void;
  signal(node: number, incarnation: number, leader: boolean, term: number): void;
  crashed(node: number): void;
  restarted(node: number, incarnation: number): void;
  delivered(node: number, kind: number): void;
  waits(id: number, label: number, op: string): void;
  woke(id: number): void;
  cover(key: string | number, node: number): void;
  states(): number[];
}

/**
 * One execution of a target under one scheduler. Tasks are resumed one at a time; the next step
 * is chosen synchronously at the moment the running task parks (the `await` on an operation
 * calls back into `park`), so a whole run completes inside one macrotask turn. A single
 * checkpoint armed at the start therefore fires only if a task escaped the simulation.
 */
export class Run {
  readonly clock = new VirtualClock();
  readonly timers = new TimerQueue();
  readonly tasks: Task[] = [];
  readonly faultLog: FaultEvent[] = [];
  readonly trace: Trace;
  readonly checkers: Checker[] = [];
  readonly violations: Violation[] = [];
  readonly ignored: Record<string, number> = {};
  /** Groups (nodes) currently paused: their tasks and timers are held back. */
  readonly pausedGroups = new Set<string>();
  current: Task | null = null;
  step = 0;
  /** The virtual instant the run has stood at since step `stillSince` (livelock detection). */
  private stillAt = -1;
  private stillSince = 0;
  finished = false;
  /** Message delays are the strategy's picks (sched/index.ts strategyOwnsDelays), set before setup. */
  ownsDelays = false;
  /** The abstract states the run reaches: cover/abstract-state.ts, handed in by the engine so
   * that core imports nothing above it. */
  readonly cover: RunCoverage;

  /** Enabled runnable tasks in the order they became runnable (the options' order is part of
   * every decision). A contender whose gate is closed (a held mutex, an empty semaphore) stands
   * aside in its gate and is merged back, by arrival, when the gate opens; so while no node is
   * paused this array is itself the task part of the options: due timers are appended for one
   * decision, then dropped, and a step costs no scan of the runnable tasks. */
  private readonly runnable: Task[] = [];
  private readonly options: Choice[] = [];
  /** optionPos[i]: where options[i] (a task) sits in runnable, when options were scanned. */
  private readonly optionPos: number[] = [];
  /** Tasks in `runnable` that belong to a network node. */
  private groupedCount = 0;
  /** Arrival counter for Task.seq. */
  private seq = 0;
  /** One gate per ready predicate (primitives register theirs with `gate`). */
  private readonly gates = new Map<ReadyFn, Gate>();
  /** Gates whose primitive announced a change since the last decision. */
  private readonly dirtyGates: Gate[] = [];
  /** Gates of predicates nobody registered: asked again before every decision. */
  private readonly polledGates: Gate[] = [];
  private readonly hash = new DecisionHash();
  private readonly decisions = new DecisionLog();
  private readonly names = new Map<string, number>();
  private readonly invariants: { name: string; fn: () => boolean }[] = [];
  private lastParked: Task | null = null;
  private readonly ctx: { current: number; step: number; taskCount: number } = { current: -1, step: 0, taskCount: 0 };
  private endReason: EndReason = 'quiescent';
  private resolveDone: ((r: RawRunResult) => void) | null = null;
  /** Cleared at the end so a finished run is not kept alive until the next macrotask turn
   * (a campaign awaiting runs back to back would otherwise retain every one of them). */
  private checkpointTimer: ReturnType<typeof setImmediate> | null = null; // allowed: real-time escape checkpoint
  /** Host mode (useHost); null for every other target, whose runs are as they always were. */
  private host: RunHost | null = null;
  /** Host mode: the group (node) whose step is being performed; the code it runs, and every
   * promise and nextTick continuation of it, belong to that node until the next decision. */
  actingGroup: string | null = null;
  /** Host mode: the next decision is armed in a real macrotask. */
  private hopArmed = false;
  /** Host mode: setup has not returned yet (the first hop finding it so is an escape). */
  private setupPending = false;
  private readonly hopFn = (): void => this.afterHop();
  private readonly isHeld = (g: string): boolean => this.pausedGroups.has(g);
  /** Written once per step: a supervising thread reads it to tell a slow run from a stuck one. */
  private readonly progress = progressCell();
  private readonly stopAt: number;
  private readonly maxTasks: number;
  private readonly parkFn = (t: Task, res: (v: unknown) => void, rej: (e: unknown) => void): void =>
    this.park(t, res, rej);

  constructor(
    readonly scheduler: Scheduler,
    readonly opts: CoreOptions,
    cover: RunCoverage,
  ) {
    this.cover = cover;
    this.trace = new Trace(opts.traceWindow, opts.traceAll);
    this.stopAt = opts.stopAtStep ?? -1;
    this.maxTasks = opts.maxTasks ?? DEFAULT_MAX_TASKS;
    this.progress[STEP] = 0;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** A host-mode run (useHost was called). */
  get hosted(): boolean {
    return this.host !== null;
  }

  /** Makes this a host run (before start): see RunHost. */
  useHost(host: RunHost): void {
    this.host = host;
  }

  /** Runs `setup` then schedules until the run ends. */
  start(setup: () => void | Promise<void>): Promise<RawRunResult> {
    const done = new Promise<RawRunResult>((r) => (this.resolveDone = r));
    if (this.host === null) {
      // allowed: the one real-time checkpoint; it fires only if the run is stuck on something
      // the harness does not control, because a healthy run ends within this macrotask turn.
      this.checkpointTimer = realSetImmediate(() => this.checkpoint()); // allowed: real-time escape checkpoint, never a wait
    } else {
      // A host run's first hop is its checkpoint: setup must have returned by then.
      this.setupPending = true;
      this.armHop();
    }
    let ret: void | Promise<void>;
    try {
      ret = setup();
    } catch (e) {
      this.setupFailed(e);
      return done;
    }
    if (ret !== undefined && typeof (ret as Promise<void>).then === 'function') {
      (ret as Promise<void>).then(() => {
        this.setupPending = false;
        this.decide();
      }, (e) => this.setupFailed(e));
    } else {
      this.setupPending = false;
      this.decide();
    }
    return done;
  }

  private setupFailed(e: unknown): void {
    if (e instanceof RunStopped) return this.finish('violation');
    this.violate({ kind: 'uncaught-error', actors: ['setup'], message: `setup threw: ${errorText(e)}` });
  }

  private checkpoint(): void {
    if (this.finished) return;
    const t = this.current;
    this.violate({
      kind: 'escaped-simulation',
      actors: t ? [t.label] : ['setup'],
      message: t
        ? `task ${t.label} awaited something the harness does not control (a real timer, I/O or a foreign promise) after step ${this.step}; it neither parked at a harness operation nor finished`
        : `setup awaited something the harness does not control`,
    });
  }

  private finish(reason: EndReason): void {
    if (this.finished) return;
    if (reason !== 'violation') {
      this.endReason = reason;
      for (const c of this.checkers) c.atEnd?.(reason);
      if (this.finished) return;
    }
    this.finished = true;
    if (this.checkpointTimer !== null) realClearImmediate(this.checkpointTimer);
    this.checkpointTimer = null;
    this.endReason = this.violations.length > 0 ? 'violation' : reason;
    this.current = null;
    const result: RawRunResult = {
      end: this.endReason,
      violations: this.violations,
      ignored: this.ignored,
      steps: this.step,
      timeMs: this.clock.now(),
      decisionHash: this.hash.hex(),
      decisions: this.decisions.finish(),
      tasks: this.tasks.length,
      faultLog: this.faultLog,
      trace: this.trace,
    };
    const resolve = this.resolveDone;
    this.resolveDone = null;
    if (this.host === null) {
      resolve?.(result);
      return;
    }
    // Hosted continuations of the last step drain (dead: they arm and draw nothing) before
    // the caller starts another run: nothing of this run reaches the next.
    this.host.ended();
    this.host.hop(() => resolve?.(result));
  }

  /** Records a violation (unless its kind is ignored) and ends the run. Returns false if ignored. */
  violate(v: Omit<Violation, 'step' | 'timeMs'> & { step?: number }): boolean {
    if (!this.record(v)) return false;
    this.finish('violation');
    return true;
  }

  /** Records a violation without ending the run (end-of-run analysis reports several). */
  record(v: Omit<Violation, 'step' | 'timeMs'> & { step?: number }): boolean {
    if (this.finished) return false;
    if (this.opts.ignore.has(v.kind)) {
      this.ignored[v.kind] = (this.ignored[v.kind] ?? 0) + 1;
      return false;
    }
    this.violations.push({ step: this.step, timeMs: this.clock.now(), ...v } as Violation);
    return true;
  }

  /** Throws into the calling task when the run has ended, so abandoned tasks stop. */
  assertLive(what: string): void {
    if (this.finished) throw new RunStopped(`${what} called on a run that has ended (an abandoned task)`);
  }

  // ---- tasks -----------------------------------------------------------------------------

  /** A label unique within the run: the name, or name#2, name#3 for repeats. */
  uniqueName(name: string): string {
    const n = (this.names.get(name) ?? 0) + 1;
    this.names.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  }

  spawn(name: string, fn: () => unknown, daemon: boolean, group: string | null = null): Task {
    this.assertLive('spawn');
    if (typeof fn !== 'function') throw new TypeError(`spawn(${name}): fn must be a function`);
    if (this.tasks.length >= this.maxTasks) {
      const by = this.current?.label ?? 'setup';
      this.violate({
        kind: 'task-limit',
        actors: [by],
        message: `${by} spawned task ${this.tasks.length + 1} (${name}): more than --max-tasks ${this.maxTasks} in one run, a spawn loop or raise --max-tasks`,
      });
      throw new RunStopped('task limit');
    }
    const t = new Task(this.tasks.length, this.uniqueName(name), daemon, group, this.parkFn);
    this.tasks.push(t);
    t.setOp('start', t.label, undefined, null, null);
    new Promise<unknown>((r) => (t.res = r))
      .then(() => fn())
      .then(
        () => this.taskDone(t),
        (e) => this.taskFailed(t, e),
      );
    this.enqueue(t);
    return t;
  }

  /**
   * Registers the caller's next operation and returns the thenable it must await. Detects a
   * task that starts an operation while another of its own is still pending.
   */
  request(kind: string, obj: string, arg: unknown, ready: ReadyFn | null, exec: ExecFn | null): PromiseLike<unknown> {
    this.assertLive(`${obj}.${kind}`);
    const t = this.current;
    if (t === null) {
      throw new Error(this.host === null
        ? `${obj}.${kind}: harness operations must be called from a task, not from setup`
        : `${obj}.${kind}: harness operations must be called from a task, not from setup or hosted code (in host mode, a node's main that awaited a hosted promise, a timer callback and an onMessage handler are hosted code: use ctx.host.onMessage and timers there)`);
    }
    if (t.pending) {
      this.violate({
        kind: 'unawaited-operation',
        actors: [t.label],
        message: `task ${t.label} started ${obj}.${kind} while its ${t.opObj}.${t.opKind} was still pending: every harness operation must be awaited at once`,
      });
      throw new RunStopped('unawaited operation');
    }
    t.setOp(kind, obj, arg, ready, exec);
    return t.parker;
  }

  private park(t: Task, res: (v: unknown) => void, rej: (e: unknown) => void): void {
    if (this.finished || t.state === 'abandoned') return;
    if (!t.pending || t.res !== null || t !== this.current) {
      this.violate({
        kind: 'unawaited-operation',
        actors: [t.label],
        message: `task ${t.label} awaited ${t.opObj}.${t.opKind} late or twice; await each harness operation at once`,
      });
      return;
    }
    t.res = res;
    t.rej = rej;
    this.current = null;
    this.lastParked = t;
    if (t.opKind === 'sleep') {
      this.sleepPark(t);
    } else {
      t.state = 'ready';
      this.enqueue(t);
    }
    this.decide();
  }

  private sleepPark(t: Task): void {
    const ms = t.opArg as number;
    t.state = 'blocked';
    t.sleepMs = ms;
    this.trace.add(this.step, this.clock.now(), t.label, 'sleep', ms, '');
    if (t.wakeFn === null) {
      t.sleepLabel = `timer:${t.label}`;
      t.sleepLabelHash = labelHash(t.sleepLabel);
      t.sleepKey = { label: t.sleepLabel, logId: -1 };
      t.wakeFn = () => this.wakeFromTimer(t);
    }
    t.timer = this.timers.add(this.clock.now() + ms, t.sleepLabel, t.wakeFn, t.group, t.sleepLabelHash, t.sleepKey);
    // The sleep itself completes when the timer fires: the wake is the step that resumes it.
    t.setOp('wake', 'timer', undefined, null, null);
  }

  private wakeFromTimer(t: Task): void {
    t.timer = null;
    this.makeReady(t);
  }

  /** Moves a blocked task back among the runnable ones, with whatever op it now has pending. */
  makeReady(t: Task): void {
    if (t.state !== 'blocked') return;
    if (t.blockedOn !== '') this.cover.woke(t.id);
    t.state = 'ready';
    t.blockedOn = '';
    t.sleepMs = -1;
    this.enqueue(t);
  }

  private enqueue(t: Task): void {
    t.seq = this.seq++;
    const ready = t.opReady;
    if (ready !== null) {
      // A task mostly contends for the same mutex again: its last gate saves the map lookup.
      const last = t.lastGate;
      const g = last !== null && last.ready === ready ? last : this.gates.get(ready) ?? this.unannouncedGate(ready);
      t.lastGate = g;
      // A gate with contenders knows its answer (or is dirty, and all of them move together
      // before the next decision); an idle one may be stale, so it is asked now.
      if (g.contenders.length === 0) g.open = ready(t, t.opArg);
      g.contenders.push(t);
      t.gate = g;
      if (!g.open) return;
    }
    this.runnable.push(t);
    if (t.group !== null) this.groupedCount++;
  }

  /**
   * The gate of a primitive's ready predicate. The primitive calls `gateChanged` whenever the
   * predicate's answer may have changed (a mutex's owner, a semaphore's count): that is what
   * lets its contenders stand aside instead of being asked on every step.
   */
  gate(ready: ReadyFn): Gate {
    let g = this.gates.get(ready);
    if (g === undefined) {
      g = new Gate(ready, true);
      this.gates.set(ready, g);
    }
    return g;
  }

  private unannouncedGate(ready: ReadyFn): Gate {
    const g = new Gate(ready, false);
    this.gates.set(ready, g);
    this.polledGates.push(g);
    return g;
  }

  /** The gate's predicate may have a new answer: its contenders are sorted out before the next decision. */
  gateChanged(g: Gate): void {
    if (g.dirty || g.contenders.length === 0) return;
    g.dirty = true;
    this.dirtyGates.push(g);
  }

  /** Asks each changed gate again; contenders of one that opened merge back by arrival, those
   * of one that closed leave the runnable list. Either way their relative order is kept. */
  private settleGates(): void {
    const dirty = this.dirtyGates;
    for (let k = 0; k < dirty.length; k++) this.settle(dirty[k]!);
    while (dirty.length > 0) dirty.pop();
    const polled = this.polledGates;
    for (let k = 0; k < polled.length; k++) this.settle(polled[k]!);
  }

  private settle(g: Gate): void {
    g.dirty = false;
    const c = g.contenders;
    if (c.length === 0) return;
    const open = g.ready(c[0]!, c[0]!.opArg);
    if (open === g.open) return;
    g.open = open;
    const r = this.runnable;
    if (open) {
      // Merge from the back: both lists are in arrival order.
      let i = r.length - 1;
      let j = c.length - 1;
      let w = r.length + c.length - 1;
      for (let k = 0; k < c.length; k++) r.push(c[0]!);
      while (j >= 0) {
        if (i >= 0 && r[i]!.seq > c[j]!.seq) r[w--] = r[i--]!;
        else r[w--] = c[j--]!;
      }
      for (let k = 0; k < c.length; k++) if (c[k]!.group !== null) this.groupedCount++;
    } else {
      let w = 0;
      for (let k = 0; k < r.length; k++) {
        const t = r[k]!;
        if (t.gate === g) {
          if (t.group !== null) this.groupedCount--;
          continue;
        }
        r[w++] = t;
      }
      while (r.length > w) r.pop();
    }
  }

  /** In-order removal (no splice, which allocates the removed-elements array). */
  private dequeueAt(k: number): void {
    const r = this.runnable;
    const t = r[k]!;
    if (t.group !== null) this.groupedCount--;
    if (t.gate !== null) this.leaveGate(t);
    const last = r.length - 1;
    for (; k < last; k++) r[k] = r[k + 1]!;
    r.pop();
  }

  private leaveGate(t: Task): void {
    const c = t.gate!.contenders;
    t.gate = null;
    const i = c.indexOf(t);
    const last = c.length - 1;
    for (let k = i; k < last; k++) c[k] = c[k + 1]!;
    c.pop();
  }

  /** Parks the caller without making it runnable: the op's exec returned BLOCK. */
  block(t: Task, on: string): void {
    t.state = 'blocked';
    t.blockedOn = on;
    t.sleepMs = -1;
    this.cover.waits(t.id, t.labelHash, t.opKind);
  }

  private taskDone(t: Task): void {
    if (this.finished || t.state === 'abandoned' || t.detached) return;
    if (t.pending) {
      this.violate({
        kind: 'unawaited-operation',
        actors: [t.label],
        message: `task ${t.label} finished with ${t.opObj}.${t.opKind} never awaited`,
      });
      return;
    }
    t.state = 'done';
    this.current = null;
    this.lastParked = null;
    this.decide();
  }

  private taskFailed(t: Task, e: unknown): void {
    if (this.finished || t.state === 'abandoned') return;
    if (e instanceof RunStopped) return;
    t.state = 'failed';
    this.violate({ kind: 'uncaught-error', actors: [t.label], message: `task ${t.label} threw: ${errorText(e)}` });
  }

  /** A crashed node's tasks are never resumed: no finally runs, timers and waits vanish. */
  abandonGroup(group: string): void {
    for (const t of this.tasks) {
      if (t.group !== group || t.state === 'done' || t.state === 'failed') continue;
      if (t.gate !== null) this.leaveGate(t);
      if (t.state === 'blocked' && t.blockedOn !== '') this.cover.woke(t.id);
      t.state = 'abandoned';
      t.clearOp();
      t.res = null;
      t.rej = null;
    }
    for (let i = this.runnable.length - 1; i >= 0; i--) {
      if (this.runnable[i]!.group === group) this.runnable.splice(i, 1);
    }
    this.groupedCount = 0;
    for (const t of this.runnable) if (t.group !== null) this.groupedCount++;
    this.timers.cancelGroup(group);
    if (this.current?.group === group) this.current = null;
  }

  // ---- decisions -------------------------------------------------------------------------

  private logEvent(ev: TimedEvent): void {
    if (ev.key !== null) this.decisions.keyed(ev.key, ev.num);
    else this.decisions.label(ev.label);
  }

  /** Recorded draw: sim.random and every fault decision go through here. */
  drawU32(stream: DrawStream): number {
    let v: number;
    try {
      v = this.scheduler.nextU32(stream) >>> 0;
    } catch (e) {
      throw this.schedulerFailed(e);
    }
    this.decisions.draw(v);
    this.hash.mix(v);
    return v;
  }

  /**
   * A message's one-way delay in [send.minMs, send.maxMs] under a strategy that owns delays:
   * its pick, recorded as the offset from minMs, so a replay (which has no such hook) reads the
   * same delay back from the list. A lenient replay's default is the shortest delay.
   */
  drawDelay(send: MessageSend): number {
    const span = send.maxMs - send.minMs + 1;
    let u: number;
    try {
      const pick = this.scheduler.messageDelay;
      u = pick !== undefined
        ? Math.min(span - 1, Math.max(0, Math.round(pick.call(this.scheduler, send) - send.minMs)))
        : this.scheduler.nextU32('fault') >>> 0;
    } catch (e) {
      throw this.schedulerFailed(e);
    }
    this.decisions.draw(u);
    this.hash.mix(u);
    return send.minMs + (u === DRAW_DEFAULT ? 0 : u % span);
  }

  /** A recorded yes/no with probability p (a fault decision). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    return this.drawU32('fault') / 4294967296 < p;
  }

  /** A recorded choice among labelled options (which waiter a signal wakes). */
  choose<C extends Choice>(kind: string, options: readonly C[]): C {
    if (options.length === 0) throw new Error(`choose(${kind}) with no options`);
    if (options.length === 1) return options[0]!;
    let i: number;
    try {
      i = this.scheduler.choose(kind, options);
    } catch (e) {
      throw this.schedulerFailed(e);
    }
    const c = options[i];
    if (c === undefined) throw new Error(`scheduler chose ${i} of ${options.length} for ${kind}`);
    if (c instanceof Task) this.decisions.keyed(c, -1);
    else this.decisions.label(c.label);
    this.hash.mix(c.labelHash ^ 0x5f3759df);
    return c;
  }

  /** Picks and performs steps until a task has been resumed or the run ends (a host run: in
   * the next real macrotask). */
  private decide(): void {
    if (this.host !== null) {
      this.armHop();
      return;
    }
    this.loop();
  }

  /** Host mode: the next decision waits for the next real macrotask. */
  private armHop(): void {
    if (this.hopArmed || this.finished) return;
    this.hopArmed = true;
    this.host!.hop(this.hopFn);
  }

  private afterHop(): void {
    this.hopArmed = false;
    if (this.finished) return;
    if (this.setupPending) return this.checkpoint();
    const t = this.current;
    // The task resumed last neither parked nor finished while its continuations drained: it
    // awaits a hosted promise (a virtual timer, a message handler's doing). From here on it is
    // hosted code of its node, no longer a task the engine resumes.
    if (t !== null) {
      t.detached = true;
      t.state = 'done';
      t.clearOp();
      this.current = null;
      if (this.lastParked === t) this.lastParked = null;
      this.trace.add(this.step, this.clock.now(), t.label, 'detach', 'hosted code', '');
    }
    this.loop();
  }

  private loop(): void {
    for (;;) {
      if (this.finished) return;
      if (this.invariants.length > 0) this.checkInvariants();
      const checkers = this.checkers;
      for (let k = 0; k < checkers.length; k++) {
        const c = checkers[k]!;
        if (c.afterStep !== undefined) c.afterStep();
      }
      if (this.finished) return;
      const opts = this.collectOptions();
      if (opts === null) return;
      const now = this.clock.now();
      if (now !== this.stillAt) {
        this.stillAt = now;
        this.stillSince = this.step;
      }
      if (this.step >= this.opts.maxSteps || this.step - this.stillSince >= STILL_STEPS) {
        this.budgetExceeded(opts);
        return this.dropTimers(opts);
      }
      let i: number;
      try {
        i = this.scheduler.nextStep(opts, this.ctx);
      } catch (e) {
        this.dropTimers(opts);
        this.schedulerFailed(e);
        return;
      }
      const choice = opts[i];
      const offered = opts.length;
      this.dropTimers(opts);
      if (choice === undefined) throw new Error(`scheduler ${this.scheduler.name} chose ${i} of ${offered}`);
      this.hash.mix(choice.labelHash);
      this.step++;
      this.progress[STEP] = this.step;
      const isTask = choice instanceof Task;
      if (isTask) this.decisions.keyed(choice, -1);
      else this.logEvent(choice as TimedEvent);
      if (this.step === this.stopAt) return this.stalled(choice);
      if (this.host !== null) this.actingGroup = isTask ? choice.group : (choice as TimedEvent).group;
      if (isTask) {
        this.dequeueAt(opts === this.runnable ? i : this.optionPos[i]!);
        if (this.stepTask(choice)) {
          if (this.host !== null) this.armHop();
          return;
        }
      } else {
        this.fireTimer(choice as TimedEvent);
        if (this.host !== null) return this.armHop();
      }
    }
  }


  /**
   * A strict replay that no longer fits ends the run with a `replay-divergence` violation naming
   * the decision, what was recorded and what was runnable, instead of crashing the run from
   * inside a task's await. Returns the RunStopped to throw into a task that was mid-operation.
   */
  private schedulerFailed(e: unknown): RunStopped {
    if (!(e instanceof ReplayDivergence)) throw e;
    this.violate({
      kind: 'replay-divergence',
      actors: this.current ? [this.current.label] : [],
      message: e.message,
      details: { decision: e.decision, expected: e.expected, available: [...e.available] },
    });
    if (!this.finished) this.finish('violation');
    return new RunStopped('replay diverged');
  }

  /** The enabled steps (runnable tasks, then due timers); on none, ends the run and returns null. */
  private collectOptions(): Choice[] | null {
    if (this.dirtyGates.length > 0 || this.polledGates.length > 0) this.settleGates();
    const paused = this.pausedGroups.size > 0;
    let opts: Choice[];
    let nodeBusy: boolean;
    if (!paused) {
      // Every runnable task is enabled, in order: the list is the options' task part as is.
      opts = this.runnable;
      this.ctx.current = this.currentIndex();
      nodeBusy = this.groupedCount > 0;
    } else {
      opts = this.options;
      nodeBusy = this.scanRunnable();
    }
    const taskCount = opts.length;
    const next = paused ? this.timers.earliest(this.isHeld) : this.timers.earliestAny();
    const at = Math.max(next, this.clock.now());
    // A network node's CPU is infinitely fast: while one of its tasks can run, the clock stays
    // put (events due now still interleave). Otherwise a timer pick could jump time past a
    // runnable node task, an unbounded and unlogged pause that breaks every timing assumption;
    // a node falls behind only through the `pause` fault, which is bounded and logged.
    if (at <= this.opts.durationMs && !(nodeBusy && next > this.clock.now())) this.timers.collectDue(at, paused ? this.isHeld : null, opts);
    if (opts.length === 0) {
      const reason = next === Infinity && !this.anyHeldWork() ? 'quiescent' : 'duration';
      const escaped = this.host === null ? null : this.host.escapes();
      // An escape the target ignores is counted, and the run ends as it would have.
      if (escaped === null || !this.violate({ kind: 'escaped-simulation', actors: [], message: escaped })) this.finish(reason);
      return null;
    }
    this.ctx.step = this.step;
    this.ctx.taskCount = taskCount;
    return opts;
  }

  /** Where the task that just parked stands in `runnable`, or -1. It was enqueued last, so it is
   * the last entry unless it sleeps, stands aside at a closed gate, or a step since woke others. */
  private currentIndex(): number {
    const t = this.lastParked;
    if (t === null || t.state !== 'ready' || (t.gate !== null && !t.gate.open)) return -1;
    const r = this.runnable;
    const n = r.length - 1;
    return n >= 0 && r[n] === t ? n : r.lastIndexOf(t);
  }

  /** Fills this.options with the runnable tasks of nodes not paused; true if one belongs to a node. */
  private scanRunnable(): boolean {
    const opts = this.options;
    const pos = this.optionPos;
    const runnable = this.runnable;
    // Overwrite in place and trim with pop: `length = 0` is a slow runtime call on every step.
    let n = 0;
    let current = -1;
    let nodeBusy = false;
    for (let k = 0; k < runnable.length; k++) {
      const t = runnable[k]!;
      if (t.group !== null && this.pausedGroups.has(t.group)) continue;
      if (t === this.lastParked) current = n;
      if (t.group !== null) nodeBusy = true;
      pos[n] = k;
      opts[n++] = t;
    }
    while (opts.length > n) opts.pop();
    this.ctx.current = current;
    return nodeBusy;
  }

  /** Takes the due timers appended for one decision back off the runnable list. */
  private dropTimers(opts: Choice[]): void {
    if (opts !== this.runnable) return;
    const n = this.ctx.taskCount;
    while (opts.length > n) opts.pop();
  }

  /** Paused nodes still have work to do later, so an empty step set is not quiescence. */
  private anyHeldWork(): boolean {
    if (this.pausedGroups.size === 0) return false;
    if (this.timers.size > 0) return true;
    const held = (t: Task): boolean => t.group !== null && this.pausedGroups.has(t.group);
    if (this.runnable.some(held)) return true;
    for (const g of this.gates.values()) if (!g.open && g.contenders.some(held)) return true;
    return false;
  }

  /** Executes a task's pending operation; true when the task was resumed. */
  private stepTask(t: Task): boolean {
    t.state = 'running';
    this.current = t;
    let result: unknown;
    try {
      result = t.opExec === null ? undefined : t.opExec(t, t.opArg);
    } catch (e) {
      if (this.finished || e instanceof RunStopped) return true;
      // A misused operation (next() on a closed subscription...) throws at the caller's await.
      const rej = t.rej;
      t.clearOp();
      t.res = null;
      t.rej = null;
      rej?.(e);
      return true;
    }
    if (this.finished) return true;
    this.trace.add(this.step, this.clock.now(), t.label, t.opKind, t.opObj, result);
    if (result === BLOCK) {
      this.current = null;
      if (this.lastParked === t) this.lastParked = null;
      return false;
    }
    const res = t.res;
    t.clearOp();
    t.res = null;
    t.rej = null;
    if (res === null) throw new Error(`task ${t.label} resumed without a parked await`);
    res(result);
    return true;
  }

  private fireTimer(ev: TimedEvent): void {
    this.timers.remove(ev);
    if (ev.atMs > this.clock.now()) this.clock.advanceTo(ev.atMs);
    this.lastParked = null;
    this.trace.add(this.step, this.clock.now(), ev.label, 'fire', '', '');
    ev.fire();
  }

  /** The diagnosis replay reached the step whose thread never came back: name what it resumes. */
  private stalled(choice: Choice): void {
    const wall = this.opts.stalledMs === undefined ? 'a long wall time' : `${(this.opts.stalledMs / 1000).toFixed(1)} s of wall time`;
    if (choice instanceof Task) {
      const op = `${choice.opObj}.${choice.opKind}`;
      this.violate({
        kind: 'stalled',
        actors: [choice.label],
        message: `task ${choice.label} never yielded: resumed from ${op} at step ${this.step}, it ran for ${wall} without reaching a harness operation (a busy loop, or a synchronous wait); an invariant or checker run after it is the other suspect`,
        details: { task: choice.label, op, step: this.step },
      });
    } else {
      this.violate({
        kind: 'stalled',
        actors: [choice.label],
        message: `timer ${choice.label} never returned: its callback, fired at step ${this.step}, ran for ${wall} (a busy loop in a handler)`,
        details: { timer: choice.label, step: this.step },
      });
    }
  }

  private budgetExceeded(opts: readonly Choice[]): void {
    const busy = opts.filter((c) => c instanceof Task).map((c) => c.label);
    const still = this.step < this.opts.maxSteps;
    this.violate({
      kind: 'budget-exceeded',
      actors: busy.slice(0, 8),
      message: still
        ? `${STILL_STEPS} steps without virtual time moving, at ${this.clock.now()}ms: a livelock (tasks that never wait on time or on each other)`
        : `${this.opts.maxSteps} steps ran out at ${this.clock.now()}ms virtual, before quiescence or the ${this.opts.durationMs}ms duration: a livelock, or raise --max-steps`,
    });
  }

  // ---- invariants ------------------------------------------------------------------------

  addInvariant(name: string, fn: () => boolean): void {
    if (typeof fn !== 'function') throw new TypeError(`invariant ${name}: fn must be a function`);
    this.invariants.push({ name, fn });
  }

  private checkInvariants(): void {
    for (let k = 0; k < this.invariants.length; k++) {
      const inv = this.invariants[k]!;
      let ok: boolean;
      let why = '';
      try {
        ok = inv.fn() !== false;
      } catch (e) {
        ok = false;
        why = `: threw ${errorText(e)}`;
      }
      if (!ok) {
        const last = this.trace.tail().at(-1);
        const actor = last?.task;
        const by = last ? ` (${last.task}: ${last.op}${last.obj ? ` ${last.obj}` : ''}${last.result ? ` → ${last.result}` : ''})` : '';
        this.violate({
          kind: 'invariant',
          actors: actor ? [actor] : [],
          message: `invariant ${inv.name} failed after step ${this.step}${by}${why}`,
          details: { invariant: inv.name },
        });
        return;
      }
    }
  }

  /** Tasks that are not finished, for end-of-run analysis. */
  liveTasks(): Task[] {
    return this.tasks.filter((t) => t.state === 'ready' || t.state === 'blocked' || t.state === 'running');
  }

  recordFault(fault: string, detail: string): void {
    this.faultLog.push({ step: this.step, timeMs: this.clock.now(), fault, detail });
    this.trace.add(this.step, this.clock.now(), 'nemesis', fault, detail, '');
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const frame = relativeToCwd(e.stack?.split('\n').slice(1, 3).map((l) => l.trim()).join(' ← ') ?? '');
    return `${e.name}: ${e.message}${frame ? ` (${frame})` : ''}`;
  }
  return String(e);
}
