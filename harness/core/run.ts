import { VirtualClock } from './clock.js';
import { DecisionHash, labelHash } from './hash.js';
import { BLOCK, Gate, Task, type ExecFn, type ReadyFn, type SharedCell } from './task.js';
import type { InvariantBlame } from './invariant-blame.js';
import { CallbackEvent, TimerQueue, TimedEvent } from './timers.js';
import { Runnable } from './runnable.js';
import { Trace } from './trace.js';
import { DecisionLog } from './decision-log.js';
import { progressCell, STEP } from './progress.js';
import { RunStopped, type Violation } from './violation.js';
import { DRAW_DEFAULT, ReplayDivergence, type Choice, type DrawStream, type MessageSend, type Scheduler } from './scheduler.js';
import type { FaultStream } from './entropy.js';
import { realClearImmediate, realSetImmediate } from './real.js';
import { brokenInvariant, budgetViolation, errorText, stalledViolation, STILL_STEPS, type Invariant } from './stops.js';
import type { Checker, CoreOptions, EndReason, FaultEvent, RawRunResult, RunCoverage, RunHost } from './run-types.js';
import type { UsageError } from './errors.js';

export { errorText, STILL_STEPS } from './stops.js';
export type { Checker, CoreOptions, EndReason, FaultEvent, RawRunResult, RunCoverage, RunHost } from './run-types.js';

/** Tasks one run may spawn: far past any real target, short of exhausting memory on a spawn loop. */
export const DEFAULT_MAX_TASKS = 100_000;

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
  /** Bad input found while the run went on (a report whose shape breaks the documented API, the
   * same in every seed): the run stopped there and execute() rethrows it, so the CLI exits 2
   * with one line instead of charging every seed with a violation. Set by abort(). */
  fatal: UsageError | null = null;
  /** Message delays are the strategy's picks (sched/index.ts strategyOwnsDelays), set before setup. */
  ownsDelays = false;
  /** The abstract states the run reaches: cover/abstract-state.ts, handed in by the engine so
   * that core imports nothing above it. */
  readonly cover: RunCoverage;

  /** The runnable tasks and the gates of those waiting to be (core/runnable.ts). */
  private readonly queue = new Runnable();
  private readonly hash = new DecisionHash();
  private readonly decisions = new DecisionLog();
  private readonly names = new Map<string, number>();
  private readonly invariants: Invariant[] = [];
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
    // A campaign's passing seed: nobody reads its list or its window (RunOptions.dropPassingDetail).
    const detail = this.violations.length > 0 || this.opts.dropPassingDetail !== true;
    const result: RawRunResult = {
      end: this.endReason,
      violations: this.violations,
      ignored: this.ignored,
      steps: this.step,
      timeMs: this.clock.now(),
      decisionHash: this.hash.hex(),
      decisions: detail ? this.decisions.finish() : this.decisions.discard(),
      tasks: this.tasks.length,
      faultLog: this.faultLog,
      detail,
      trace: this.trace,
      invariantBlame: this.invariantBlame,
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

  /**
   * Ends the run on bad input rather than on a finding (see `fatal`); the first error is kept.
   * The caller throws RunStopped into its task if one is running, as after a violation.
   */
  abort(e: UsageError): void {
    this.fatal ??= e;
    this.finish('violation');
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
    this.queue.enqueue(t);
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
      this.queue.enqueue(t);
    }
    this.decide();
  }

  private sleepPark(t: Task): void {
    const ms = t.opArg as number;
    t.state = 'blocked';
    t.sleepMs = ms;
    this.trace.add(this.step, this.clock.now(), t.label, 'sleep', ms, '');
    let ev = t.sleepEv;
    if (ev === null) {
      const label = `timer:${t.label}`;
      ev = t.sleepEv = new CallbackEvent(label, () => this.wakeFromTimer(t), t.group, labelHash(label), { label, logId: -1 }, -1);
    }
    this.timers.schedule(ev, this.clock.now() + ms);
    // The sleep itself completes when the timer fires: the wake is the step that resumes it.
    t.setOp('wake', 'timer', undefined, null, null);
  }

  private wakeFromTimer(t: Task): void {
    this.makeReady(t);
  }

  /** Moves a blocked task back among the runnable ones, with whatever op it now has pending. */
  makeReady(t: Task): void {
    if (t.state !== 'blocked') return;
    if (t.blockedOn !== '') this.cover.woke(t.id);
    t.state = 'ready';
    t.blockedOn = '';
    t.sleepMs = -1;
    this.queue.enqueue(t);
  }

  /** The gate of a primitive's ready predicate: see Runnable.gate. */
  gate(ready: ReadyFn): Gate {
    return this.queue.gate(ready);
  }

  /** The gate's predicate may have a new answer (a mutex's owner, a semaphore's count). */
  gateChanged(g: Gate): void {
    this.queue.gateChanged(g);
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
      if (t.gate !== null) this.queue.leave(t);
      if (t.state === 'blocked' && t.blockedOn !== '') this.cover.woke(t.id);
      t.state = 'abandoned';
      t.clearOp();
      t.res = null;
      t.rej = null;
    }
    this.queue.dropGroup(group);
    this.timers.cancelGroup(group);
    if (this.current?.group === group) this.current = null;
  }

  // ---- decisions -------------------------------------------------------------------------

  private logEvent(ev: TimedEvent): void {
    if (ev.key !== null) this.decisions.keyed(ev.key, ev.num);
    else this.decisions.label(ev.label);
  }

  /** Recorded draw: sim.random and every environment decision go through here, each on its subsystem's stream. */
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
        : this.scheduler.nextU32('latency') >>> 0;
    } catch (e) {
      throw this.schedulerFailed(e);
    }
    this.decisions.draw(u);
    this.hash.mix(u);
    return send.minMs + (u === DRAW_DEFAULT ? 0 : u % span);
  }

  /** A recorded yes/no with probability p (a fault decision), drawn from `stream`. */
  chance(p: number, stream: FaultStream): boolean {
    if (p <= 0) return false;
    return this.drawU32(stream) / 4294967296 < p;
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
        const q = this.queue;
        q.dequeueAt(opts === q.list ? i : q.optionPos[i]!);
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
    const q = this.queue;
    // Both checks stay inline: a call per step here is measurable on the hand-off workloads.
    if (q.dirtyGates.length > 0 || q.polledGates.length > 0) q.settleGates();
    const paused = this.pausedGroups.size > 0;
    let opts: Choice[];
    let nodeBusy: boolean;
    if (!paused) {
      // Every runnable task is enabled, in order: the list is the options' task part as is.
      opts = q.list;
      const t = this.lastParked;
      const last = opts.length - 1;
      // The task that parked was enqueued last, unless it sleeps, waits at a closed gate or
      // others woke since: only then is it searched for.
      this.ctx.current = t !== null && last >= 0 && opts[last] === t && t.gate === null ? last : q.indexOf(t);
      nodeBusy = q.grouped > 0;
    } else {
      opts = q.options;
      nodeBusy = q.scan(this.pausedGroups, this.lastParked);
      this.ctx.current = q.scannedCurrent;
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

  /** Takes the due timers appended for one decision back off the runnable list. */
  private dropTimers(opts: Choice[]): void {
    if (opts !== this.queue.list) return;
    const n = this.ctx.taskCount;
    while (opts.length > n) opts.pop();
  }

  /** Paused nodes still have work to do later, so an empty step set is not quiescence. */
  private anyHeldWork(): boolean {
    if (this.pausedGroups.size === 0) return false;
    if (this.timers.size > 0) return true;
    return this.queue.anyHeld((t) => t.group !== null && this.pausedGroups.has(t.group));
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
    this.trace.add(this.step, this.clock.now(), ev.site === '' ? ev.label : ev.label + ev.site, 'fire', '', '', this.trace.full === null ? undefined : ev.payload());
    try {
      ev.fire();
    } catch (e) {
      // A draw inside the event (a host loop's wake or callback cost) found the replay diverged:
      // the run already ended with its replay-divergence violation; nothing may escape the hop.
      if (e instanceof RunStopped && this.finished) return;
      throw e;
    }
  }

  /** The diagnosis replay reached the step whose thread never came back: name what it resumes. */
  private stalled(choice: Choice): void {
    this.violate(stalledViolation(choice, this.step, this.opts.stalledMs));
  }

  private budgetExceeded(opts: readonly Choice[]): void {
    this.violate(budgetViolation(opts, this.step, this.opts.maxSteps, this.clock.now(), this.opts.durationMs));
  }

  // ---- invariants ------------------------------------------------------------------------

  addInvariant(name: string, fn: () => boolean): void {
    if (typeof fn !== 'function') throw new TypeError(`invariant ${name}: fn must be a function`);
    this.invariants.push({ name, fn });
  }

  /** While an invariant is checked: the shared cells it reads (see SimShared.peek). */
  peeked: Set<SharedCell> | null = null;
  readonly peekSet = new Set<SharedCell>();
  /** The writes that made the first recorded invariant violation false (RunResult.invariantBlame). */
  invariantBlame: InvariantBlame | null = null;

  private checkInvariants(): void {
    const v = brokenInvariant(this.invariants, this.step, this.trace, this);
    if (v === null) return;
    // Set before violate(), which ends the run and builds its result; an ignored kind takes it back.
    const before = this.invariantBlame;
    if (before === null) this.invariantBlame = v.blame;
    if (!this.violate(v.found)) this.invariantBlame = before;
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
