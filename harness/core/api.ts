/**
 * The surface a target sees. A target file needs no import to run: it default-exports a plain
 * object of type `Target`; these types exist only to help authors who want checking.
 *
 * Every method that returns `Op<T>` is a scheduling point and must be awaited at once
 * (`await m.lock()`): the harness resumes one task at a time and knows the caller because the
 * task it last resumed is the only one running. Starting a second operation before the first
 * settles (`Promise.all([a.lock(), b.lock()])`) is an `unawaited-operation` violation.
 */

/** An awaitable harness operation. It is PromiseLike rather than a Promise on purpose: the
 * harness learns that the caller has parked at the moment `await` subscribes to it. */
export interface Op<T> extends PromiseLike<T> {}

export type TaskFn = () => Promise<void> | void;

export interface SpawnOptions {
  /** A daemon may stay blocked at the end of the run (a worker waiting for more work). */
  daemon?: boolean;
}

export interface Mutex {
  readonly name: string;
  lock(): Op<void>;
  /** Resolves true when it took the lock, false when another task holds it. */
  tryLock(): Op<boolean>;
  unlock(): Op<void>;
  /** The task name holding the lock, or null. Not a scheduling point. */
  holder(): string | null;
}

/** FreeBSD cv(9) semantics. All waiters on one condvar must use the same mutex. */
export interface CondVar {
  readonly name: string;
  /** Caller must hold m; releases it atomically, sleeps, reacquires before returning. */
  wait(m: Mutex): Op<void>;
  /** As wait, but returns without reacquiring m (cv_wait_unlock). */
  waitUnlock(m: Mutex): Op<void>;
  /** As wait with a virtual-time limit in ms; m is reacquired in both outcomes. */
  timedWait(m: Mutex, timeoutMs: number): Op<'signaled' | 'timeout'>;
  /** Wakes one waiter; which one is a scheduler decision. */
  signal(): Op<void>;
  broadcast(): Op<void>;
}

export interface Semaphore {
  readonly name: string;
  acquire(): Op<void>;
  tryAcquire(): Op<boolean>;
  release(): Op<void>;
  /** Current count. Not a scheduling point. */
  peek(): number;
}

export interface Subscription<T> {
  /** The next value published after this subscription was made, in order. */
  next(): Op<T>;
  close(): Op<void>;
}

/** Go's events.Broadcaster as Swarmkit uses it: fan-out to current subscribers only. */
export interface Broadcaster<T> {
  readonly name: string;
  publish(value: T): Op<void>;
  subscribe(): Op<Subscription<T>>;
  /** Number of live subscriptions. Not a scheduling point. */
  subscribers(): number;
}

/** A shared cell: get/set are scheduling points so check-then-act races can be explored. */
export interface Shared<T> {
  readonly name: string;
  get(): Op<T>;
  set(value: T): Op<void>;
  /** Reads without scheduling and without counting as the task's read: for invariants. */
  peek(): T;
}

/** One client operation being recorded: complete it exactly once. */
export interface HistoryOp {
  /** It happened and returned `result` (a read's value; a cas's true or false). */
  ok(result?: unknown): void;
  /** It certainly did not happen (the server refused it before doing anything). */
  fail(): void;
  /** Unknown whether it happened (a timeout): it may take effect at any later time, or never. */
  info(): void;
}

/**
 * A client history for the linearizability check (docs/linearizability.md). The client is the
 * calling task; the harness records the virtual times. An operation still open when its node
 * crashes, or when the run ends, counts as `info`.
 */
export interface History {
  /** Records that the caller sends request `f` with argument `value` (touching `key`). */
  invoke(f: string, value?: unknown, options?: { key?: string }): HistoryOp;
}

/** What a history model steps on: the invocation's name, key and argument. */
export interface HistoryInput {
  f: string;
  key?: string;
  value: unknown;
}

/**
 * A sequential specification, as Porcupine defines one. `output` is a completed operation's
 * result, or the checker's UNKNOWN symbol for one whose outcome is unknown: a model must accept
 * any output for it (and may apply its effect: the checker can also place it last, "never").
 */
export interface HistoryModel<S = unknown> {
  name: string;
  init(): S;
  /** Whether `output` is legal for `input` in `state`, and the state after. */
  step(state: S, input: HistoryInput, output: unknown): [boolean, S];
  /** Operations of different partitions never interact: each is checked alone (P-compositionality). */
  partition?(input: HistoryInput): string;
  /** An operation that changes no state: one of unknown outcome is dropped. */
  readOnly?(input: HistoryInput): boolean;
  /** Equal for equal states (the memo's key); default JSON.stringify. */
  stateKey?(state: S): string;
  describeOperation?(input: HistoryInput, output: unknown): string;
  describeState?(state: S): string;
}

/** A target's history check: the model its clients' operations must be linearizable against. */
export interface HistorySpec {
  /** A built-in model (register, cas-register, kv, counter, set, queue) or a user model. */
  model: string | HistoryModel<never>;
  /** Search steps the end-of-run check may take before it gives up silently (default 200000). */
  maxSteps?: number;
}

export interface Sim {
  /** Synchronous: registers a task; it first runs when the scheduler picks it. */
  spawn(name: string, fn: TaskFn, options?: SpawnOptions): void;
  /** Virtual time in ms since the start of the run. */
  now(): number;
  /** A recorded draw in [0, 1) from the run's seeded stream. */
  random(): number;
  /** A recorded integer draw in [0, n). */
  randomInt(n: number): number;
  yield(): Op<void>;
  sleep(ms: number): Op<void>;
  mutex(name: string): Mutex;
  condvar(name: string): CondVar;
  semaphore(name: string, initial: number): Semaphore;
  broadcaster<T>(name: string): Broadcaster<T>;
  shared<T>(name: string, initial: T): Shared<T>;
  /** A synchronous predicate checked after every step; false or a throw is a violation. */
  invariant(name: string, fn: () => boolean): void;
  /** A failed assertion ends the run with an `assert` violation. */
  assert(cond: unknown, message: string): asserts cond;
  /** Free-form note added to the trace (not a scheduling point). */
  log(message: string): void;
  /**
   * Counts `key` as an abstract state this run reached (not a scheduling point): coverage
   * beside the harness's own (roles, terms, deliveries, waits), read by every summary's
   * "distinct abstract states" and by `--strategy guided`, which extends runs that reach keys
   * no earlier run did. Keep keys few and coarse (`'quorum-lost'`, a phase number): a key per
   * value makes every run novel.
   */
  cover(key: string | number): void;
  /** The name of the task currently running (null during setup). */
  currentTask(): string | null;
  /** Records client operations for the target's `history` check (a node's ctx: its own tasks'). */
  readonly history: History;
  /**
   * Declares a network node (during setup only). `main(ctx)` is the node's program, started as
   * its first task (labelled with the id) and run again from scratch after each crash.
   */
  node<M = unknown>(id: string, main: NodeMain<M>, options?: SpawnOptions): void;
  /**
   * Declares a single process with no network (during setup only): a library that lives in one
   * Node.js process (a pool, a cache, a lock, a rate limiter) driven by its own workload.
   * `main(ctx)` is its program, started as its first task (labelled with `name`). No network
   * fault is ever drawn for it (no partitions, drops, duplicates, reorders, delays, drift or
   * leader aiming); its weather draws stop-the-world pauses, and crashes only when `options.restart`
   * says what a restart means. A target declares processes or nodes, not both.
   */
  process(name: string, main: ProcessMain, options?: ProcessOptions): void;
}

/** How a `sim.process` is declared. */
export interface ProcessOptions {
  /** A daemon may stay blocked at the end (as `spawn`'s). */
  daemon?: boolean;
  /**
   * What a restart means, and so whether the `crash` fault may strike the process: `'rerun'`
   * abandons its tasks and timers (and in host mode its module instances) and runs `main` again
   * from scratch with `ctx.incarnation` + 1, keeping only what `ctx.host.keep` holds (its disk).
   * Absent: the process never crashes.
   */
  restart?: 'rerun';
}

/** What a `sim.process` program receives: a node's context without the network, the disk or
 * the leadership and Raft reports. */
export interface ProcessContext extends Omit<Sim, 'node' | 'process'> {
  /** The process's name. */
  readonly id: string;
  /** 1 for the first run of main, +1 after each restart (only with `restart: 'rerun'`). */
  readonly incarnation: number;
  /** Host mode only (`host: true` targets; undefined otherwise). */
  readonly host?: ProcessHost;
}

export type ProcessMain = (ctx: ProcessContext) => Promise<void> | void;

/** `ctx.host` of a process: a node's, without the transport. */
export interface ProcessHost {
  /** As NodeHost.require. */
  require(id: string): unknown;
  /** As NodeHost.import. */
  import(specifier: string): Promise<unknown>;
  /** As NodeHost.keep: survives this process's restarts, fresh in every run. */
  keep<T>(key: string, make: () => T): T;
  /** As NodeHost.atEnd: `fn` runs once when the run ends without a violation. */
  atEnd(fn: (end: RunEnd) => void): void;
}

/** What an end-of-run hook is told: `quiescent` (nothing left to run: the workload finished)
 * or `duration` (cut off by --duration: work may still be pending). */
export interface RunEnd {
  readonly reason: 'quiescent' | 'duration';
}

export type LeadershipRole = 'leader' | 'follower';

/** What `ctx.leadership` subscribers receive: exactly what the node signalled. */
export interface LeadershipEvent {
  readonly role: LeadershipRole;
  readonly term: number;
}

/** A node's disk. Synchronous; values are deep-copied in and out (structuredClone). */
export interface NodeStorage {
  get<T = unknown>(key: string): T | undefined;
  /** Visible at once to this incarnation; durable only after `sync()`. */
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** Current keys, sorted. */
  keys(): string[];
  /** Makes every write so far survive a crash. */
  sync(): void;
}

export interface RecvOptions {
  /** Virtual ms on the node's own (possibly drifting) clock; absent waits forever, 0 polls. */
  timeoutMs?: number;
}

/**
 * A Raft node's state as the safety checkers read it, reported with `ctx.observe` after every
 * change (docs/detectors.md, "The reporting contract", is the full statement). Every field is
 * the node's state at the call, in Raft's own units (Raft paper, Figure 2):
 *
 * ```ts
 * // after persisting and sending a Ready, before applying its committed entries
 * ctx.observe({ term: 3, role: 'leader', commitIndex: 2, lastLogIndex: 3, log: ['1:set x', '1:set y', '3:noop'] });
 * ctx.applied(1, '1:set x', 1);   // index, the same digest as log[0], the ENTRY's term
 * ```
 *
 * A field of the wrong shape (a log element that is neither a string nor a number, a term or
 * index that is not an integer >= 0, a log whose length is not lastLogIndex, a role that is not
 * a non-empty string) is the same in every seed: the run stops with a one-line usage error
 * naming the node, the field and the value (the CLI exits 2). A term lower than the one the
 * same incarnation reported before is a `report-contract` violation of that seed.
 */
export interface RaftObservation {
  /** The node's currentTerm: an integer >= 0 that never goes down within an incarnation (after a
   * crash it may, when the term it had taken was lost with unsynced writes). */
  term: number;
  /** 'leader' (exactly; 'Leader' is refused) is the one role the checkers act on: election safety
   * and leader completeness. Any other non-empty string ('follower', 'candidate', 'precandidate',
   * 'stopped'...) is a non-leader role, shown in reports. Report 'leader' as soon as the node
   * leads, before any entry it commits is applied anywhere: leader completeness bounds an entry's
   * commit term by the leaders reported before its first application. */
  role: string;
  /** Highest log index the node knows committed (Figure 2's commitIndex), 0 for none. The
   * checkers read min(commitIndex, lastLogIndex); entries up to it must never change on this
   * node until it crashes, and must equal what any node applied at their index. */
  commitIndex: number;
  /** Index of the node's last log entry, 0 for an empty log; log.length when `log` is given. */
  lastLogIndex: number;
  /** One digest per entry, 1-based: log[i - 1] is entry i, for i = 1..lastLogIndex (Raft has no
   * entry 0). A digest is a string, or a number (read as its decimal string), that identifies
   * the entry together with its term (`${term}:${command}`): two entries at one index are the
   * same entry exactly when their digests are equal, and `applied` is given the same digest.
   * Enables log matching, leader completeness and the committed-prefix checks. */
  log?: readonly (string | number)[];
}

/**
 * What a node's program receives. The thread primitives are the core's, owned by the node:
 * they vanish with it on a crash. `now` and `sleep` read the node's own clock, which drifts
 * under the `clock-skew` fault.
 */
export interface NodeContext<M = unknown> extends Omit<Sim, 'node' | 'process'> {
  readonly id: string;
  /** Every other node's id, in declaration order: every `sim.node` the target declared, client
   * nodes included, so a Raft target keeps its own list of voting members. */
  readonly peers: readonly string[];
  /** 1 for the first run of main, +1 after each restart. */
  readonly incarnation: number;
  /** Queues a message for delivery (not a scheduling point): an effect of the caller's step. */
  send(to: string, msg: M): void;
  /** The next message delivered to this node, or undefined at the timeout. A scheduling point. */
  recv(options?: RecvOptions): Op<M | undefined>;
  readonly storage: NodeStorage;
  /** Receives every signalLeadership of this incarnation, in order. */
  readonly leadership: Broadcaster<LeadershipEvent>;
  /**
   * Records the signal for the leadership detectors and publishes it on `leadership`. Swarmkit's
   * IsLeader/IsFollower: `'leader'` once per term the node leads (its current term, which must
   * not be below a term this incarnation reported), when leader-only work may start; `'follower'`
   * when it stops leading, with the term it led (the detectors only read that the interval
   * ended). A role other than 'leader'/'follower' or a term that is not an integer >= 0 is a
   * usage error (exit 2). A leader signal also counts as reporting leadership for leader
   * completeness (see `RaftObservation.role`).
   */
  signalLeadership(role: LeadershipRole, term: number): void;
  /** Reports Raft state for election safety, log matching, leader completeness and the committed
   * prefix: after every change of term, role, commit index or log (see RaftObservation). */
  observe(state: RaftObservation): void;
  /**
   * Reports that the entry at log `index` (1-based) was applied to the node's state machine:
   * `digest` is the entry's digest as in observe's `log` (a number reads as its decimal string),
   * `term` the ENTRY's term (not the node's current term: liveness counts a leader applying an
   * entry of the term it leads). Call it for every application, re-applications after a restart
   * included. A non-integer or < 1 index, a digest that is neither a string nor a number, or a
   * term that is not an integer >= 0 is a usage error (exit 2).
   */
  applied(index: number, digest: string | number, term?: number): void;
  /** Host mode only (`host: true` targets; undefined otherwise): run unmodified code as this node. */
  readonly host?: NodeHost<M>;
}

/**
 * Host mode (`host: true` targets): what a node's program gets to run unmodified event-driven
 * CommonJS or ES module code as this node. See docs/host-mode.md.
 */
export interface NodeHost<M = unknown> {
  /** A fresh instance of module `id` (and of its whole non-builtin dependency subtree) for this
   * node incarnation, resolved from the target file's directory; one instance per id per
   * incarnation, as Node's require. `net`, `fs`, `http`, ... are stubs that report
   * `escaped-simulation` when called. */
  require(id: string): unknown;
  /** `import(specifier)` for this node incarnation: a promise of the namespace of a fresh
   * instance of ES module `specifier` and of its graph (CommonJS files in it are `require`'s
   * instances, built-ins the same stubs), resolved from the target file's directory. Needs a
   * thread started with --experimental-vm-modules (host targets' workers are). */
  import(specifier: string): Promise<unknown>;
  /** The object `make()` returns, made once per node per run: it survives this node's crashes
   * and restarts (a disk the library writes through its own store), fresh in every run. */
  keep<T>(key: string, make: () => T): T;
  /** Deliveries to this node call `handler` synchronously, one decision per message, instead
   * of queueing for `recv` (messages that arrived before it was set stay queued for recv). */
  onMessage(handler: (msg: M) => void): void;
  /**
   * An end-of-run hook for checks that need the workload finished (a pool whose every loan came
   * back, a cache emptied by its TTLs): `fn` runs once, with the node's globals, when the run
   * ends without a violation (`end.reason`: `quiescent`, or `duration` when --duration cut it
   * off); `ctx.assert` in it fails the run as anywhere else. Only hooks of the node's live
   * incarnation run. Fresh in every run.
   */
  atEnd(fn: (end: RunEnd) => void): void;
}

export type NodeMain<M = unknown> = (ctx: NodeContext<M>) => Promise<void> | void;

/** What a network target promises to survive; the harness keeps its draws within them. */
export interface Assumptions {
  /** Largest clock drift the target tolerates, in ppm. */
  maxDriftPpm?: number;
  /** Longest process pause (GC, slow fsync) the target tolerates, in ms. */
  maxPauseMs?: number;
  /** Longest one-way message delay the target needs for liveness, in ms. Outside the fault
   * window, latency stays within it. */
  maxOneWayDelayMs?: number;
}

export interface SetupContext {
  variant: string;
  /** The run's workload: every knob the target declares in `workload`, drawn per seed with the
   * weather (its `default` under --fixed-weather). */
  workload: Readonly<Record<string, number>>;
}

/**
 * One workload knob a target declares (how hard its clients push, how it batches): the harness
 * draws a value in [min, max] per seed, with the weather, so a bug that needs a busy client is
 * found without anyone knowing that in advance. A yes/no knob is { min: 0, max: 1 }.
 */
export interface WorkloadKnob {
  min: number;
  max: number;
  /** The value under --fixed-weather and for runs that draw no weather. */
  default: number;
  /** Draw log-uniformly (for rates and intervals spanning orders of magnitude; needs min > 0). */
  log?: boolean;
  /** false: a real number; otherwise rounded to an integer. */
  integer?: boolean;
  /** Which end loads the system more (a shorter interval, smaller batches: `min`). Knobs that
   * say so move together with the seed's drawn workload intensity. */
  intense?: 'min' | 'max';
  about?: string;
}

export interface Target {
  name: string;
  description: string;
  variants: readonly string[];
  /** Spawns the run's tasks; all run state must live inside setup (module-level state leaks between seeds). */
  setup(sim: Sim, ctx: SetupContext): void | Promise<void>;
  /** Violation kinds this target does not claim to prevent. */
  ignore?: readonly string[];
  /** Per-variant expected outcome for the campaign: 'pass' or a violation kind. Optional. */
  expect?: Readonly<Record<string, string>>;
  /** Timing margins the target declares it tolerates (network targets). Per-seed weather never
   * draws beyond them, except latency inside the fault window (and a violation then says so). */
  assumptions?: Assumptions;
  /** Workload knobs, drawn per seed with the weather and passed to setup as `workload`. */
  workload?: Readonly<Record<string, WorkloadKnob>>;
  /** Default run options the target needs (e.g. duration); a user's flags override them. */
  defaults?: TargetDefaults;
  /** Per-variant defaults over `defaults`: a bug that needs heavy crashes to show, say. */
  variantDefaults?: Readonly<Record<string, TargetDefaults>>;
  /**
   * Host mode: nodes run unmodified event-driven code (`ctx.host.require`, `ctx.host.import`), whose
   * `setTimeout`/`setInterval`/`setImmediate`, `Date`, `performance.now` and `Math.random` are // allowed: a doc comment names them, nothing calls them
   * the node's virtual timers, clock and the seed's draws; each decision runs in its own real
   * macrotask so promises and `process.nextTick` drain between decisions. Seeds run in worker
   * threads. Every other target keeps the real globals. See docs/host-mode.md.
   */
  host?: boolean;
  /** Check the clients' recorded `history` for linearizability at the end of every run: a
   * `linearizability` violation names the window of operations that cannot be ordered. */
  history?: HistorySpec;
}

/** Run options a target may set for itself. Faults: names (default rates) or name → rate. */
export interface TargetDefaults {
  durationMs?: number;
  maxSteps?: number;
  faults?: readonly string[] | Readonly<Record<string, number>>;
  faultWindowMs?: number;
  livenessMs?: number;
  eventLatencyMs?: number;
  net?: Readonly<Record<string, number | boolean | string>>;
}

/** Typing helper only: a target file works without importing it. */
export function defineTarget<T extends Target>(target: T): T {
  return target;
}
